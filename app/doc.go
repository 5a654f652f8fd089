// Package app is Lamplighter's application layer: the product's rules, once,
// for every front end. The chat (package handlers), the terminal console, the
// CLI and the web API all call these services; none of them checks a role,
// writes an audit entry or decides a refusal on its own.
//
// Each service declares the small store interface it needs next to itself
// (the consumer owns the interface); cmd/lamplighter passes the concrete
// *storage.Store. The package imports neither Telegram nor Redis (a test
// enforces it). Refusals are the domain's typed errors (lamplighter.Error
// with a code and a Reason); front ends turn them into words.
package app
