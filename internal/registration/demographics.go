package registration

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/question"
)

// DemographicQuestion is one optional, self-identified demographic question.
type DemographicQuestion struct {
	ID       string
	Label    string
	Help     string
	Options  []string
	Multiple bool // any number of options; else one
	// SelfDescribe offers SelfDescribeOption with a text field, ID + "_self".
	SelfDescribe bool
}

// Options every demographic question offers, in the words forms use.
const (
	SelfDescribeOption = "I prefer to self-describe"
	PreferNotOption    = "I prefer not to say"
	// MaxSelfDescription bounds a self-description.
	MaxSelfDescription = 100
)

// SuppressBelow is the smallest count shown: any figure under it is withheld, and so are others
// that would let it be worked out by subtraction.
const SuppressBelow = 10

// DemographicsWhy is the plain statement shown with the demographic questions.
const DemographicsWhy = "We ask these optional questions to learn whether this conference reaches the people and " +
	"communities it is meant to serve, and to hold ourselves accountable for who is in the room. Your answers are " +
	"stored apart from your name and email address. Nobody, organizers included, can see your individual answers: " +
	"they only ever appear in totals, and any number below 10 is withheld. Skip any question you like, and delete " +
	"your answers at any time from your registration page."

// DemographicQuestions is the catalog organizers choose from.
var DemographicQuestions = []DemographicQuestion{
	{ID: "race_ethnicity", Label: "Race and ethnicity", Multiple: true, SelfDescribe: true,
		Help: "Choose all that apply.",
		Options: []string{"American Indian or Alaska Native", "Asian", "Black or African American",
			"Hispanic, Latino/a/x or of Spanish origin", "Middle Eastern or North African",
			"Native Hawaiian or other Pacific Islander", "White"}},
	{ID: "gender_identity", Label: "Gender identity", Multiple: true, SelfDescribe: true,
		Help:    "Choose all that apply.",
		Options: []string{"Woman", "Man", "Non-binary", "Genderqueer or gender non-conforming", "Two-Spirit", "Agender"}},
	{ID: "transgender", Label: "Do you identify as transgender?",
		Options: []string{"Yes", "No"}},
	{ID: "sexual_orientation", Label: "Sexual orientation", Multiple: true, SelfDescribe: true,
		Help:    "Choose all that apply.",
		Options: []string{"Asexual", "Bisexual", "Gay", "Lesbian", "Pansexual", "Queer", "Straight or heterosexual"}},
	{ID: "disability", Label: "Do you identify as a person with a disability or chronic condition?",
		Options: []string{"Yes", "No"}},
	{ID: "first_generation", Label: "Are you the first in your family to attend college or university?",
		Options: []string{"Yes", "No"}},
}

// demographicQuestion returns the catalog's question with the id.
func demographicQuestion(id string) (DemographicQuestion, bool) {
	i := slices.IndexFunc(DemographicQuestions, func(q DemographicQuestion) bool { return q.ID == id })
	if i < 0 {
		return DemographicQuestion{}, false
	}
	return DemographicQuestions[i], true
}

// AskedDemographics returns the catalog's questions with the ids, in catalog order.
func AskedDemographics(ids []string) []DemographicQuestion {
	var out []DemographicQuestion
	for _, q := range DemographicQuestions {
		if slices.Contains(ids, q.ID) {
			out = append(out, q)
		}
	}
	return out
}

// AllOptions lists what the question offers, the self-description and "prefer not" included.
func (q DemographicQuestion) AllOptions() []string {
	out := append([]string{}, q.Options...)
	if q.SelfDescribe {
		out = append(out, SelfDescribeOption)
	}
	return append(out, PreferNotOption)
}

// SelfID names the self-description's field within the answers.
func (q DemographicQuestion) SelfID() string { return q.ID + "_self" }

// form is the question as a question.Question, to check answers with.
func (q DemographicQuestion) form() question.Question {
	k := question.SingleChoice
	if q.Multiple {
		k = question.MultipleChoice
	}
	return question.Question{ID: q.ID, Label: q.Label, Kind: k, Options: q.AllOptions()}
}

// CheckDemographics checks answers to the asked questions. Field names are prefix + question id (and
// prefix + id + "_self"). It returns the cleaned answers, which are empty when nothing was answered.
func CheckDemographics(asked []string, a question.Answers, prefix string) (question.Answers, error) {
	out := question.Answers{}
	var fe apperr.Fields
	for _, q := range AskedDemographics(asked) {
		clean, qfe := question.Check([]question.Question{q.form()}, a, true, prefix)
		if err := qfe.Err(); err != nil {
			ae, _ := apperr.As(err)
			for _, f := range ae.Fields {
				fe.Add(f.Field, f.Message)
			}
			continue
		}
		vals := clean[q.ID]
		self := ""
		if q.SelfDescribe {
			self = strings.Join(strings.Fields(a.Value(q.SelfID())), " ")
			if n := utf8.RuneCountInString(self); n > MaxSelfDescription {
				fe.Add(prefix+q.SelfID(), fmt.Sprintf("Use at most %d characters.", MaxSelfDescription))
				continue
			}
			if self != "" && !slices.Contains(vals, SelfDescribeOption) {
				vals = append(vals, SelfDescribeOption)
				clean, _ = question.Check([]question.Question{q.form()}, question.Answers{q.ID: vals}, true, prefix)
				vals = clean[q.ID]
			}
		}
		if len(vals) > 1 && slices.Contains(vals, PreferNotOption) {
			fe.Add(prefix+q.ID, "Choose “"+PreferNotOption+"” on its own, or the answers that fit you.")
			continue
		}
		if len(vals) > 0 {
			out[q.ID] = vals
		}
		if self != "" {
			out[q.SelfID()] = []string{self}
		}
	}
	return out, fe.Err()
}

// DemographicCounts is what the store counts: the only form in which demographic answers leave it.
type DemographicCounts struct {
	// Respondents is the number of people who answered at least one question.
	Respondents int
	Questions   map[string]QuestionCounts
}

// QuestionCounts counts the answers to one question.
type QuestionCounts struct {
	Respondents int            // people who answered this question
	Options     map[string]int // people per option
	// SelfDescriptions counts identical self-descriptions (compared ignoring case and spacing); the
	// store leaves out any given by fewer than SuppressBelow people.
	SelfDescriptions map[string]int
}

// Figure is one number of a demographic table. A suppressed figure has Count 0: the number is not
// there to leak.
type Figure struct {
	Label      string
	Count      int
	Percent    int // of the question's respondents, rounded
	Suppressed bool
}

// QuestionFigures are the figures of one question.
type QuestionFigures struct {
	Question    DemographicQuestion
	Respondents int
	// Suppressed is set when fewer than SuppressBelow people answered: nothing is shown.
	Suppressed       bool
	Figures          []Figure
	SelfDescriptions []Figure
}

// Demographics are the aggregate figures of a conference, safe to show organizers.
type Demographics struct {
	Respondents int
	Suppressed  bool // fewer than SuppressBelow respondents: nothing is shown
	Questions   []QuestionFigures
	Threshold   int
}

// Aggregate turns counts into figures that are safe to show: any count below SuppressBelow is
// withheld (primary suppression), and then further counts, smallest first, until the withheld ones
// number at least two and add up to at least SuppressBelow, so that none can be worked out by
// subtracting the shown figures from the question's total (secondary suppression). This is applied
// to single- and multiple-choice questions alike, which is conservative for the latter. Totals below
// SuppressBelow are withheld with everything under them. Figures are never broken down by anything
// else (role, institution, time), and demographic answers are never joined to registrations.
func Aggregate(c DemographicCounts, asked []string) Demographics {
	out := Demographics{Respondents: c.Respondents, Threshold: SuppressBelow}
	if c.Respondents < SuppressBelow {
		out.Respondents, out.Suppressed = 0, true
	}
	for _, q := range AskedDemographics(asked) {
		qc := c.Questions[q.ID]
		qf := QuestionFigures{Question: q, Respondents: qc.Respondents}
		if out.Suppressed || qc.Respondents < SuppressBelow {
			qf.Respondents, qf.Suppressed = 0, true
			out.Questions = append(out.Questions, qf)
			continue
		}
		opts := q.AllOptions()
		counts := make([]int, len(opts))
		for i, o := range opts {
			counts[i] = qc.Options[o]
		}
		hidden := suppress(counts)
		for i, o := range opts {
			f := Figure{Label: o, Suppressed: hidden[i]}
			if !f.Suppressed {
				f.Count = counts[i]
				f.Percent = (200*counts[i] + qc.Respondents) / (2 * qc.Respondents)
			}
			qf.Figures = append(qf.Figures, f)
		}
		// Self-descriptions are shown only under a shown self-description figure, and only those
		// that SuppressBelow people or more gave.
		if i := slices.Index(opts, SelfDescribeOption); i >= 0 && !hidden[i] {
			var texts []Figure
			for text, n := range qc.SelfDescriptions {
				if n >= SuppressBelow {
					texts = append(texts, Figure{Label: text, Count: n, Percent: (200*n + qc.Respondents) / (2 * qc.Respondents)})
				}
			}
			sort.Slice(texts, func(a, b int) bool {
				if texts[a].Count != texts[b].Count {
					return texts[a].Count > texts[b].Count
				}
				return texts[a].Label < texts[b].Label
			})
			qf.SelfDescriptions = texts
		}
		out.Questions = append(out.Questions, qf)
	}
	return out
}

// suppress returns which counts to withhold: those below SuppressBelow, then the smallest others
// until the withheld ones are at least two and sum to SuppressBelow or more (or all are withheld).
func suppress(counts []int) []bool {
	hidden := make([]bool, len(counts))
	n, sum := 0, 0
	for i, c := range counts {
		if c < SuppressBelow {
			hidden[i] = true
			n++
			sum += c
		}
	}
	for n > 0 && (n < 2 || sum < SuppressBelow) {
		smallest := -1
		for i, c := range counts {
			if !hidden[i] && (smallest < 0 || c < counts[smallest]) {
				smallest = i
			}
		}
		if smallest < 0 {
			break
		}
		hidden[smallest] = true
		n++
		sum += counts[smallest]
	}
	return hidden
}
