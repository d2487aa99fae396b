package registration

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/question"
)

func TestSuppress(t *testing.T) {
	tests := []struct {
		name   string
		counts []int
		hidden []bool
	}{
		{"nothing small", []int{40, 25, 12}, []bool{false, false, false}},
		{"one small cell takes the next smallest with it", []int{40, 25, 12, 3}, []bool{false, false, true, true}},
		{"two small cells that add up to less than the threshold take a third", []int{40, 25, 12, 3, 2}, []bool{false, false, true, true, true}},
		{"two small cells that add up to the threshold are enough", []int{40, 25, 6, 4}, []bool{false, false, true, true}},
		{"zero counts are withheld too", []int{50, 0}, []bool{true, true}},
		{"ties go to the first", []int{30, 12, 12, 1}, []bool{false, true, false, true}},
		{"all small", []int{1, 2, 3}, []bool{true, true, true}},
	}
	for _, tt := range tests {
		if got := suppress(tt.counts); !slices.Equal(got, tt.hidden) {
			t.Errorf("%s: %v gives %v, want %v", tt.name, tt.counts, got, tt.hidden)
		}
	}
}

// TestAggregateCannotBeUndone checks, over many tables, that what is shown never lets a withheld
// count below the threshold be worked out: not from the total, not from the other cells.
func TestAggregateCannotBeUndone(t *testing.T) {
	q := DemographicQuestions[2] // transgender: single choice, three options with "prefer not"
	for a := 0; a <= 25; a++ {
		for b := 0; b <= 25; b++ {
			for c := 0; c <= 12; c++ {
				total := a + b + c
				counts := DemographicCounts{Respondents: total, Questions: map[string]QuestionCounts{q.ID: {Respondents: total,
					Options: map[string]int{"Yes": a, "No": b, PreferNotOption: c}}}}
				agg := Aggregate(counts, []string{q.ID})
				qf := agg.Questions[0]
				if total < SuppressBelow {
					if !qf.Suppressed || qf.Respondents != 0 || !agg.Suppressed {
						t.Fatalf("%d/%d/%d: a total below the threshold is shown", a, b, c)
					}
					continue
				}
				shown, hiddenSum, hiddenN := 0, 0, 0
				for i, f := range qf.Figures {
					real := []int{a, b, c}[i]
					if f.Suppressed {
						if f.Count != 0 || f.Percent != 0 {
							t.Fatalf("%d/%d/%d: a withheld figure carries its number", a, b, c)
						}
						hiddenSum += real
						hiddenN++
						continue
					}
					if real < SuppressBelow {
						t.Fatalf("%d/%d/%d: %q = %d is shown", a, b, c, f.Label, real)
					}
					shown += f.Count
				}
				// What subtraction reveals is the sum of the withheld cells; it must not single one out.
				if hiddenN == 1 || (hiddenN > 1 && total-shown < SuppressBelow) {
					t.Fatalf("%d/%d/%d: the withheld cells (%d of them) add up to %d, which the total gives away", a, b, c, hiddenN, hiddenSum)
				}
			}
		}
	}
}

func TestAggregateSelfDescriptions(t *testing.T) {
	q := DemographicQuestions[0]
	counts := DemographicCounts{Respondents: 60, Questions: map[string]QuestionCounts{q.ID: {Respondents: 60,
		Options:          map[string]int{"Black or African American": 30, "White": 15, SelfDescribeOption: 15},
		SelfDescriptions: map[string]int{"afro-latina": 11, "garifuna": 4}}}}
	agg := Aggregate(counts, []string{q.ID})
	qf := agg.Questions[0]
	if len(qf.SelfDescriptions) != 1 || qf.SelfDescriptions[0].Label != "afro-latina" || qf.SelfDescriptions[0].Count != 11 {
		t.Errorf("self-descriptions: %+v", qf.SelfDescriptions)
	}
	// Under a withheld self-description figure no text is shown at all.
	counts.Questions[q.ID].Options[SelfDescribeOption] = 5
	agg = Aggregate(counts, []string{q.ID})
	if len(agg.Questions[0].SelfDescriptions) != 0 {
		t.Errorf("texts shown under a withheld figure: %+v", agg.Questions[0].SelfDescriptions)
	}
	// A question not asked is not shown, whatever was stored.
	if agg := Aggregate(counts, nil); len(agg.Questions) != 0 {
		t.Errorf("questions not asked: %+v", agg.Questions)
	}
}

func TestCheckDemographics(t *testing.T) {
	asked := []string{"race_ethnicity", "transgender"}
	got, err := CheckDemographics(asked, question.Answers{
		"race_ethnicity":      {"White", "Asian"},
		"race_ethnicity_self": {"  Hmong   American "},
		"transgender":         {"No"},
		"gender_identity":     {"Woman"}, // not asked: dropped
	}, "demographics.")
	if err != nil {
		t.Fatal(err)
	}
	want := question.Answers{"race_ethnicity": {"Asian", "White", SelfDescribeOption}, "race_ethnicity_self": {"Hmong American"}, "transgender": {"No"}}
	if len(got) != len(want) || !slices.Equal(got["race_ethnicity"], want["race_ethnicity"]) || got.Value("race_ethnicity_self") != "Hmong American" || got.Value("transgender") != "No" {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, tt := range []struct {
		a     question.Answers
		field string
	}{
		{question.Answers{"race_ethnicity": {"White", PreferNotOption}}, "demographics.race_ethnicity"},
		{question.Answers{"transgender": {"Yes", "No"}}, "demographics.transgender"},
		{question.Answers{"transgender": {"Maybe"}}, "demographics.transgender"},
		{question.Answers{"race_ethnicity_self": {strings.Repeat("x", 101)}}, "demographics.race_ethnicity_self"},
	} {
		_, err := CheckDemographics(asked, tt.a, "demographics.")
		ae, ok := apperr.As(err)
		if !ok || len(ae.Fields) != 1 || ae.Fields[0].Field != tt.field {
			t.Errorf("%v: %v, want an error on %s", tt.a, err, tt.field)
		}
	}
	if got, err := CheckDemographics(asked, question.Answers{}, "demographics."); err != nil || len(got) != 0 {
		t.Errorf("no answers: %v %v", got, err)
	}
}

func TestCheckSettings(t *testing.T) {
	loc, _ := time.LoadLocation("America/New_York")
	cur := Settings{PlacesTaken: 40}
	cap100, cap10 := 100, 10
	s, err := checkSettings(cur, SettingsInput{Open: true, OpensAt: "2027-05-01T09:00", ClosesAt: "2027-05-31T17:00:00Z", Capacity: &cap100,
		OfferHoldHours: 24, PrivacyStatement: "We keep your name.", Demographics: []string{"disability", "disability"}}, loc)
	if err != nil {
		t.Fatal(err)
	}
	if s.OpensAt.Format(time.RFC3339) != "2027-05-01T13:00:00Z" || s.OfferHold != 24*time.Hour || *s.Capacity != 100 || len(s.Demographics) != 1 {
		t.Errorf("settings: %+v", s)
	}
	_, err = checkSettings(cur, SettingsInput{Open: true, OpensAt: "tomorrow", ClosesAt: "2027-04-01T00:00Z", Capacity: &cap10,
		OfferHoldHours: 0, Demographics: []string{"star_sign"}}, loc)
	ae, _ := apperr.As(err)
	var fields []string
	for _, f := range ae.Fields {
		fields = append(fields, f.Field)
	}
	for _, f := range []string{"opens_at", "capacity", "offer_hold_hours", "privacy_statement", "demographics"} {
		if !slices.Contains(fields, f) {
			t.Errorf("no error on %s: %v", f, ae.Fields)
		}
	}
	if !strings.Contains(ae.Fields[slices.Index(fields, "capacity")].Message, "40 places are already taken") {
		t.Errorf("capacity message: %v", ae.Fields)
	}
}

func TestPhase(t *testing.T) {
	now := time.Date(2027, 5, 10, 12, 0, 0, 0, time.UTC)
	before, after := now.Add(-time.Hour), now.Add(time.Hour)
	for _, tt := range []struct {
		s    Settings
		want Phase
	}{
		{Settings{}, NotSetUp},
		{Settings{Exists: true}, NotOpen},
		{Settings{Exists: true, Open: true}, Open},
		{Settings{Exists: true, Open: true, OpensAt: &after}, NotYetOpen},
		{Settings{Exists: true, Open: true, OpensAt: &before, ClosesAt: &after}, Open},
		{Settings{Exists: true, Open: true, ClosesAt: &now}, Ended},
	} {
		if got := tt.s.PhaseAt(now); got != tt.want {
			t.Errorf("%+v: %s, want %s", tt.s, got, tt.want)
		}
	}
}

// TestDefaultSettings are valid settings as they are, apart from being closed.
func TestDefaultSettings(t *testing.T) {
	d := DefaultSettings("Challenging Norms")
	if d.Open || d.Capacity != nil || d.OfferHold != DefaultOfferHold || len(d.Demographics) != len(DemographicQuestions) ||
		!strings.Contains(d.PrivacyStatement, "Challenging Norms") {
		t.Errorf("defaults: %+v", d)
	}
	in := SettingsInput{Open: true, OfferHoldHours: int(d.OfferHold / time.Hour), PrivacyStatement: d.PrivacyStatement, Demographics: d.Demographics}
	if _, err := checkSettings(Settings{}, in, time.UTC); err != nil {
		t.Errorf("the defaults, opened, do not pass the checks: %v", err)
	}
}
