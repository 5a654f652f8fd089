// Package app is Lamplighter's application layer: the product's rules, once,
// for every front end. The chat (package handlers), the terminal console, the
// CLI and the web API all call these services; none of them checks a role,
// writes an audit entry or decides a refusal on its own.
//
// The shape of a service (settings.go is the smallest example):
//
//   - It declares the small store interface it needs next to itself (the
//     consumer owns the interface); App's Store embeds them all and
//     cmd/lamplighter passes the concrete *storage.Store.
//   - A committee action takes a *Scope, which only Access.Committee builds
//     from the role stored now: holding one is the proof that the caller is
//     on the committee of Scope.Community. The service checks anything
//     stricter itself (Scope.CanAppoint, the creator of an activity …) and
//     writes the audit entry with Scope.Audit, in the same store step as the
//     change.
//   - A member's own action takes the Actor and refuses with ErrNotMember
//     when Actor.Member is nil.
//   - Input arrives as typed text or parsed values; the service validates it
//     and refuses with the domain's typed errors (lamplighter.Error with a
//     code and, for a refusal, a Reason constant as Detail). Front ends turn
//     those into words in the user's language; nothing here renders.
//
// The package imports neither Telegram nor Redis nor the renderers (a test
// enforces it); its tests run the services against a real Redis.
package app
