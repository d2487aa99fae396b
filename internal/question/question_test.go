package question

import (
	"reflect"
	"strings"
	"testing"

	"github.com/challenging-norms/conference/internal/apperr"
)

func TestWords(t *testing.T) {
	cases := map[string]int{
		"":                                   0,
		"   ":                                0,
		"anti-racist medical education":      3,
		"one — two":                          2,
		"Résumé, naïve café.\n\nSecond line": 5,
		"2027 is the year":                   4,
	}
	for s, want := range cases {
		if got := Words(s); got != want {
			t.Errorf("Words(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestNewID(t *testing.T) {
	if got := NewID("Learning objectives (3-5)", nil); got != "learning_objectives_3_5" {
		t.Errorf("got %q", got)
	}
	if got := NewID("Audience", []string{"audience"}); got != "audience_2" {
		t.Errorf("got %q", got)
	}
	if got := NewID("2 questions", nil); got != "q_2_questions" {
		t.Errorf("got %q", got)
	}
	if got := NewID("¿¡!", nil); got != "question" {
		t.Errorf("got %q", got)
	}
}

var form = []Question{
	{ID: "abstract", Label: "Abstract", Kind: LongText, Required: true, MaxWords: 5},
	{ID: "title_line", Label: "Short title", Kind: Text},
	{ID: "audience", Label: "Audience", Kind: MultipleChoice, Options: []string{"Students", "Faculty", "Community"}},
	{ID: "level", Label: "Level", Kind: SingleChoice, Required: true, Options: []string{"Intro", "Advanced"}},
	{ID: "record", Label: "May we record it?", Kind: Checkbox, Required: true},
}

func fields(fe *apperr.Fields) map[string]string {
	out := map[string]string{}
	if err, ok := apperr.As(fe.Err()); ok {
		for _, f := range err.Fields {
			out[f.Field] = f.Message
		}
	}
	return out
}

func TestCheckComplete(t *testing.T) {
	got, fe := Check(form, Answers{
		"abstract": {"  one two three four five six  "},
		"audience": {"Faculty", "Nobody"},
		"level":    {"Intro", "Advanced"},
		"unknown":  {"dropped"},
	}, true, "answers.")
	errs := fields(fe)
	want := map[string]string{
		"answers.abstract": "The answer to “Abstract” has 6 words; the limit is 5. Remove 1.",
		"answers.audience": `"Nobody" is not one of the options; choose from the list.`,
		"answers.level":    "Choose only one option.",
		"answers.record":   "Tick this box to continue: “May we record it?”.",
	}
	if !reflect.DeepEqual(errs, want) {
		t.Errorf("errors:\n got %q\nwant %q", errs, want)
	}
	if _, ok := got["unknown"]; ok {
		t.Error("an unknown question's answer was kept")
	}
	if got.Value("abstract") != "one two three four five six" {
		t.Errorf("abstract not trimmed: %q", got.Value("abstract"))
	}
}

func TestCheckDraft(t *testing.T) {
	// A draft may be incomplete and over the word limit, but not hold a choice that is not offered.
	_, fe := Check(form, Answers{"abstract": {"one two three four five six seven"}}, false, "")
	if err := fe.Err(); err != nil {
		t.Errorf("an incomplete draft was refused: %v", err)
	}
	_, fe = Check(form, Answers{"level": {"Expert"}}, false, "")
	if errs := fields(fe); errs["level"] == "" {
		t.Error("a choice that is not offered was accepted in a draft")
	}
	_, fe = Check(form, Answers{"title_line": {strings.Repeat("x", MaxLineChars+1)}}, false, "")
	if errs := fields(fe); !strings.Contains(errs["title_line"], "the most that can be saved") {
		t.Errorf("an over-long line was accepted: %q", errs)
	}
}

func TestCheckboxTakesOneAnswer(t *testing.T) {
	// A second value would let the first decide silently (["yes", "no"] ticked, ["no", "yes"] not).
	for _, vals := range [][]string{{"yes", "garbage"}, {"no", "yes"}} {
		_, fe := Check(form, Answers{"record": vals}, false, "")
		if errs := fields(fe); !strings.Contains(errs["record"], "one answer") {
			t.Errorf("%q for a checkbox: %q", vals, errs)
		}
	}
}

func TestCheckNormalizes(t *testing.T) {
	got, fe := Check(form, Answers{
		"abstract":   {"a\r\nb"},
		"title_line": {"  many    spaces\there "},
		"audience":   {"Community", "Students", "Community"},
		"level":      {"Advanced"},
		"record":     {"on"},
	}, true, "")
	if err := fe.Err(); err != nil {
		t.Fatal(err)
	}
	want := Answers{"abstract": {"a\nb"}, "title_line": {"many spaces here"}, "audience": {"Students", "Community"},
		"level": {"Advanced"}, "record": {"yes"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if !got.Has("audience", "Community") || got.Has("audience", "Faculty") {
		t.Error("Has is wrong")
	}
}

func TestCheckDefinitions(t *testing.T) {
	qs, err := CheckDefinitions([]Question{
		{ID: "audience", Label: " Audience ", Kind: MultipleChoice, Options: []string{" A ", "", "B", "A"}},
		{ID: "audience", Label: "", Kind: "essay"},
		{ID: "Bad Id", Label: "x", Kind: SingleChoice, Options: []string{"only"}},
		{ID: "audience_again", Label: "audience ", Kind: Text},
	}, "questions.")
	errs := map[string]string{}
	if ae, ok := apperr.As(err); ok {
		for _, f := range ae.Fields {
			errs[f.Field] = f.Message
		}
	}
	for _, f := range []string{"questions.1.id", "questions.1.label", "questions.1.kind", "questions.2.id", "questions.2.options", "questions.3.label"} {
		if errs[f] == "" {
			t.Errorf("no error for %s; errors: %q", f, errs)
		}
	}
	if errs["questions.0.options"] != "" || errs["questions.0.label"] != "" {
		t.Errorf("a good question was refused: %q", errs)
	}
	if qs[0].Label != "Audience" || !reflect.DeepEqual(qs[0].Options, []string{"A", "B"}) {
		t.Errorf("question not cleaned: %+v", qs[0])
	}
}
