// Package question is the questions a form asks beyond its fixed fields: the fields of a proposal
// format (an abstract of at most 300 words, learning objectives, a choice of audience) and the
// questions organizers add to a call or a registration form. It checks organizers' definitions and
// people's answers, with one message per field.
package question

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/challenging-norms/conference/internal/apperr"
)

// Kind is the kind of answer a question takes.
type Kind string

// The kinds of question.
const (
	Text           Kind = "text"            // one line
	LongText       Kind = "long_text"       // paragraphs, optionally with a word limit
	SingleChoice   Kind = "single_choice"   // one of Options
	MultipleChoice Kind = "multiple_choice" // any of Options
	Checkbox       Kind = "checkbox"        // a yes/no tick, e.g. "I agree to be recorded"
)

// Kinds lists the kinds with their names for people, in the order forms offer them.
var Kinds = []struct {
	Kind  Kind
	Label string
}{
	{Text, "Short text"}, {LongText, "Long text"}, {SingleChoice, "Single choice"},
	{MultipleChoice, "Multiple choice"}, {Checkbox, "Checkbox"},
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	return slices.ContainsFunc(Kinds, func(x struct {
		Kind  Kind
		Label string
	}) bool {
		return x.Kind == k
	})
}

// Name is the kind's name for people, in lower case ("long text"), or its code if unknown.
func (k Kind) Name() string {
	for _, x := range Kinds {
		if x.Kind == k {
			return strings.ToLower(x.Label)
		}
	}
	return string(k)
}

// Label is the kind's name for people as it starts a line or a table's cell ("Long text"), or its
// code if unknown.
func (k Kind) Label() string {
	for _, x := range Kinds {
		if x.Kind == k {
			return x.Label
		}
	}
	return string(k)
}

// Choice reports whether the kind offers options.
func (k Kind) Choice() bool { return k == SingleChoice || k == MultipleChoice }

// Limits on what a question and an answer may hold.
const (
	MaxLabel     = 300
	MaxHelp      = 1000
	MaxOptions   = 30
	MaxOption    = 200
	MaxQuestions = 40
	// MaxWordLimit is the highest word limit a text question can set.
	MaxWordLimit = 3000
	// MaxTextChars bounds any one text answer, whatever its word limit: about 3,000 words.
	MaxTextChars = 20000
	// MaxLineChars bounds a one-line answer.
	MaxLineChars = 500
)

// Messages of CheckDefinitions worded for the forms, which take options one per line and an empty
// word limit for none.
var (
	fewOptions  = "Give at least two options, one per line."
	badMaxWords = fmt.Sprintf("Set a word limit between 1 and %d, or leave it empty for no limit.", MaxWordLimit)
)

// APIWording rewords CheckDefinitions' messages for a client that sends the questions as JSON,
// where options are a list and no word limit is 0.
var APIWording = strings.NewReplacer(
	fewOptions, "Give at least two options in the list of options.",
	badMaxWords, fmt.Sprintf("Set a word limit between 1 and %d, or 0 for no limit.", MaxWordLimit),
)

// Question is one question of a form.
type Question struct {
	// ID names the question in stored answers, forms and the API. It stays the same when the label
	// is edited, so answers keep their question.
	ID       string
	Label    string
	Help     string
	Kind     Kind
	Required bool
	Options  []string
	// MaxWords limits a text answer; 0 means no limit beyond MaxTextChars.
	MaxWords int
}

// Answers maps question ids to answers. A text or single-choice answer is one value, a multiple
// choice any number, a ticked checkbox the value "yes" and an unticked one none: the shape of a
// submitted HTML form.
type Answers map[string][]string

// Value returns the first value of the answer to id, or "".
func (a Answers) Value(id string) string {
	if v := a[id]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Has reports whether the answer to id includes v (for ticking a choice on a form).
func (a Answers) Has(id, v string) bool { return slices.Contains(a[id], v) }

// Words counts the words of s as a reader would: runs of letters, digits and joining marks
// separated by space. "anti-racist" is one word; an em dash between spaces is none.
func Words(s string) int {
	n := 0
	for f := range strings.FieldsSeq(s) {
		if strings.IndexFunc(f, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			n++
		}
	}
	return n
}

var idRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// NewID makes an id for a new question from its label, unlike any of taken.
func NewID(label string, taken []string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(label) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if b.Len() == 0 && r >= '0' && r <= '9' {
				b.WriteString("q_")
			}
			b.WriteRune(r)
			under = false
		case b.Len() > 0 && !under:
			b.WriteByte('_')
			under = true
		}
		if b.Len() >= 32 {
			break
		}
	}
	base := strings.Trim(b.String(), "_")
	if base == "" {
		base = "question"
	}
	id := base
	for i := 2; slices.Contains(taken, id); i++ {
		id = fmt.Sprintf("%s_%d", base, i)
	}
	return id
}

// CheckDefinitions checks a form's questions as an organizer wrote them. Field names are
// prefix + index + "." + attribute ("questions.2.label"). It trims text, drops blank options, and
// returns the cleaned questions or apperr Invalid.
func CheckDefinitions(qs []Question, prefix string) ([]Question, error) {
	var fe apperr.Fields
	if len(qs) > MaxQuestions {
		fe.Add(strings.TrimSuffix(prefix, "."), fmt.Sprintf("A form can ask at most %d questions.", MaxQuestions))
		return nil, fe.Err()
	}
	out := make([]Question, len(qs))
	seen, seenLabel := map[string]bool{}, map[string]bool{}
	for i, q := range qs {
		f := func(attr string) string { return fmt.Sprintf("%s%d.%s", prefix, i, attr) }
		q.ID, q.Label, q.Help = strings.TrimSpace(q.ID), strings.TrimSpace(q.Label), strings.TrimSpace(q.Help)
		switch {
		case !idRE.MatchString(q.ID):
			fe.Add(f("id"), "Use lower-case letters, digits and _, starting with a letter, at most 40 characters.")
		case seen[q.ID]:
			fe.Add(f("id"), "Another question already uses this id.")
		}
		seen[q.ID] = true
		wording := strings.ToLower(strings.Join(strings.Fields(q.Label), " ")) // compared without case or extra spaces
		switch n := utf8.RuneCountInString(q.Label); {
		case n == 0:
			fe.Add(f("label"), "Enter the question.")
		case n > MaxLabel:
			fe.Add(f("label"), fmt.Sprintf("Use at most %d characters.", MaxLabel))
		case seenLabel[wording]:
			fe.Add(f("label"), "Another question already asks this; word this one differently, so that its answers can be told apart.")
		}
		seenLabel[wording] = true
		if utf8.RuneCountInString(q.Help) > MaxHelp {
			fe.Add(f("help"), fmt.Sprintf("Use at most %d characters.", MaxHelp))
		}
		if !q.Kind.Valid() {
			fe.Add(f("kind"), "Choose short text, long text, single choice, multiple choice or checkbox.")
		}
		var opts []string
		for _, o := range q.Options {
			if o = strings.TrimSpace(o); o != "" && !slices.Contains(opts, o) {
				opts = append(opts, o)
			}
		}
		q.Options = nil
		if q.Kind.Choice() {
			q.Options = opts
			switch {
			case len(opts) < 2:
				fe.Add(f("options"), fewOptions)
			case len(opts) > MaxOptions:
				fe.Add(f("options"), fmt.Sprintf("Give at most %d options.", MaxOptions))
			case slices.ContainsFunc(opts, func(o string) bool { return utf8.RuneCountInString(o) > MaxOption }):
				fe.Add(f("options"), fmt.Sprintf("Keep each option to %d characters.", MaxOption))
			}
		}
		if q.Kind == LongText || q.Kind == Text {
			if q.MaxWords < 0 || q.MaxWords > MaxWordLimit {
				fe.Add(f("max_words"), badMaxWords)
			}
		} else {
			q.MaxWords = 0
		}
		out[i] = q
	}
	return out, fe.Err()
}

// Check checks answers against the questions. Field names are prefix + question id. Unknown ids are
// dropped; text is trimmed (a long text keeps its line breaks); a checkbox becomes ["yes"] or
// nothing. When complete is false (a draft), only what could not be saved at all is an error: a
// choice that is not offered, or text beyond the hard limits; a missing answer or a word count over
// the limit waits for the final check. The cleaned answers are returned even with errors, so a form
// can show them again.
func Check(qs []Question, a Answers, complete bool, prefix string) (Answers, *apperr.Fields) {
	out := Answers{}
	fe := &apperr.Fields{}
	for _, q := range qs {
		field := prefix + q.ID
		var vals []string
		for _, v := range a[q.ID] {
			if q.Kind == LongText {
				v = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
			} else {
				v = strings.TrimSpace(v)
			}
			if v != "" {
				vals = append(vals, v)
			}
		}
		switch q.Kind {
		case Text, LongText:
			if len(vals) > 1 {
				vals = []string{strings.Join(vals, "\n")}
			}
			if len(vals) == 1 {
				limit := MaxTextChars
				if q.Kind == Text {
					limit = MaxLineChars
					vals[0] = strings.Join(strings.Fields(vals[0]), " ")
				}
				// Named, as a missing answer is, so that a list of errors says which question.
				label := "“" + Truncate(q.Label, 80) + "”"
				if n := utf8.RuneCountInString(vals[0]); n > limit {
					fe.Add(field, fmt.Sprintf("The answer to %s is %d characters long; the most that can be saved is %d.", label, n, limit))
				} else if complete && q.MaxWords > 0 {
					if w := Words(vals[0]); w > q.MaxWords {
						fe.Add(field, fmt.Sprintf("The answer to %s has %d words; the limit is %d. Remove %d.", label, w, q.MaxWords, w-q.MaxWords))
					}
				}
			}
		case SingleChoice, MultipleChoice:
			slices.Sort(vals)
			vals = slices.Compact(vals)
			if q.Kind == SingleChoice && len(vals) > 1 {
				fe.Add(field, "Choose only one option.")
			}
			for _, v := range vals {
				if !slices.Contains(q.Options, v) {
					fe.Add(field, fmt.Sprintf("%q is not one of the options; choose from the list.", Truncate(v, 60)))
				}
			}
			// Keep the organizer's order of options.
			var ordered []string
			for _, o := range q.Options {
				if slices.Contains(vals, o) {
					ordered = append(ordered, o)
				}
			}
			if !fe.Has(field) {
				vals = ordered
			}
		case Checkbox:
			if len(vals) > 1 {
				fe.Add(field, "Tick the box or leave it empty: one answer, not several.")
			} else if len(vals) == 1 {
				switch strings.ToLower(vals[0]) {
				case "yes", "true", "on", "1":
					vals = []string{"yes"}
				case "no", "false", "off", "0":
					vals = nil
				default:
					fe.Add(field, "Tick the box or leave it empty.")
				}
			}
		}
		if complete && q.Required && len(vals) == 0 && !fe.Has(field) {
			// Named, so that a list of errors (the summary, a screen reader's) says which question.
			label := "“" + Truncate(q.Label, 80) + "”"
			switch q.Kind {
			case Checkbox:
				fe.Add(field, "Tick this box to continue: "+label+".")
			case SingleChoice:
				fe.Add(field, "Choose an option for "+label+".")
			case MultipleChoice:
				fe.Add(field, "Choose at least one option for "+label+".")
			default:
				fe.Add(field, "Answer "+label+".")
			}
		}
		if len(vals) > 0 {
			out[q.ID] = vals
		}
	}
	return out, fe
}

// Truncate shortens s to n characters, marking a cut with an ellipsis.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
