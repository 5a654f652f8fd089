package handlers

// Hooks for the external tests in package handlers_test.

// Catalog is the message catalog, by language then message id.
var Catalog = catalog

// DecodeCallback decodes button data and encodes it again; ok is false for
// data that the handlers would refuse.
func DecodeCallback(s string) (again string, ok bool) {
	cb, ok := decodeCallback(s)
	if !ok {
		return "", false
	}
	return cb.encode(), true
}

// CommandInfo describes an entry of the command table.
type CommandInfo struct {
	Name     string
	NeedArgs bool
}

// Commands lists the command table in /help order.
func Commands() []CommandInfo {
	out := make([]CommandInfo, 0, len(commandOrder))
	for _, name := range commandOrder {
		out = append(out, CommandInfo{Name: name, NeedArgs: commands[name].needArgs})
	}
	return out
}

// InvalidFields are the fields with an invalid-input message of their own.
var InvalidFields = invalidFields
