package server

import (
	"strings"

	"github.com/challenging-norms/conference/internal/apperr"
)

// savedMeanwhile is what someone else saved since an organizer opened a form that came back, refused,
// with what they typed: the settings whose saved value is not what they typed, with that value. The
// form then carries the saved version, so that saving it again replaces the other change on purpose.
type savedMeanwhile struct {
	Changed []savedValue
}

// savedValue is one setting as saved now; Field names the form's field it differs from.
type savedValue struct {
	Field, Label, Value string
}

// differ adds the setting when what was typed and what is saved differ, line endings and the
// blanks around them aside (a browser sends a text area's lines with CRLF).
func (m *savedMeanwhile) differ(field, label, typed, saved string) {
	if sameText(typed, saved) {
		return
	}
	if strings.TrimSpace(saved) == "" {
		saved = "(empty)"
	}
	m.Changed = append(m.Changed, savedValue{Field: field, Label: label, Value: saved})
}

func sameText(a, b string) bool {
	norm := func(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }
	return norm(a) == norm(b)
}

// staleForm is the error of a form refused because someone else saved what in the meantime
// ("the call", "this format").
func staleForm(what string) error {
	return apperr.New(apperr.Conflict, "Someone else saved a change to "+what+" since you opened this form, so yours is not saved yet. "+
		"What you typed is in the form below; what is saved now is shown above it. Save again to replace their change with yours.")
}
