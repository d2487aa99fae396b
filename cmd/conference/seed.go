package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/notify"
	"github.com/challenging-norms/conference/internal/question"
	"github.com/challenging-norms/conference/internal/registration"
	"github.com/challenging-norms/conference/internal/store"
	"github.com/challenging-norms/conference/internal/submission"
)

//go:embed seed/intro.md
var seedIntro string

//go:embed seed/guide.md
var seedGuide string

//go:embed seed/faq.md
var seedFAQ string

const seedUsage = `Usage:
  conference seed challenging-norms
  conference seed program [--conference SLUG]
  conference seed demo [--conference SLUG] [--proposals N] [--submitters N] [--tokens FILE] [--password P]
                       [--reviewers N] [--reviews K]

challenging-norms creates the Challenging Norms conference with its call for proposals: three
tracks, four formats with their fields, the submission guide and FAQ. The call opens now and
closes on the next June 30 at 23:59 New York time, before the conference in October; the guide
and FAQ give that date with its year. Running it again changes nothing.

demo adds synthetic submitters (with profiles) and proposals of every format and track to a
conference, for demonstrations and benchmarks. With --reviewers, it then adds that many
reviewers with profiles, assigns K of them (--reviews, default 3) to each submitted proposal
with the assignment solver, and submits their reviews, as if review were over: the ranking and
decision pages then have data. Reviews need the conference to have an organizer. No mail is sent.

program publishes a demo program as a new version of the conference's program: two days, six
rooms, 66 sessions and about 300 proposals with synthetic presenters, for demonstrations and the
program benchmarks. Presenters are not accounts and no mail is sent.
`

func cmdSeed(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, seedUsage)
		return usageError{"seed needs a subcommand: challenging-norms or demo"}
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, seedUsage)
		return nil
	case "challenging-norms", "demo", "program":
	default:
		fmt.Fprint(stderr, seedUsage)
		return usageError{fmt.Sprintf("unknown seed %q", args[0])}
	}
	fs := flag.NewFlagSet("seed "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, seedUsage); fs.PrintDefaults() }
	slug := fs.String("conference", "challenging-norms", "demo, program: the conference to add to")
	proposals := fs.Int("proposals", 50, "demo: how many proposals to add")
	submitters := fs.Int("submitters", 0, "demo: how many submitters to add (default: about one for every two proposals)")
	tokens := fs.String("tokens", "", "demo: write an API token for each submitter to this JSON file (for load tests)")
	password := fs.String("password", "demo password 2027", "demo: the submitters' and reviewers' password")
	reviewers := fs.Int("reviewers", 0, "demo: how many reviewers to add, who then review every submitted proposal")
	perProposal := fs.Int("reviews", 3, "demo: with --reviewers, how many reviews each proposal gets")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{"seed takes no arguments after its flags"}
	}
	if *proposals < 0 || *proposals > 100000 || *submitters < 0 || *submitters > 100000 {
		return usageError{"--proposals and --submitters must be between 0 and 100000"}
	}
	if *reviewers < 0 || *reviewers > 10000 || *perProposal < 1 || *perProposal > 10 {
		return usageError{"--reviewers must be between 0 and 10000, and --reviews between 1 and 10"}
	}
	cfg, err := loadConfig(env, nil, true)
	if err != nil {
		return err
	}
	a, err := newApp(ctx, cfg, newLogger(cfg, stderr), appOptions{})
	if err != nil {
		return err
	}
	defer a.close()
	if args[0] == "program" {
		version, sessions, items, err := seedProgram(ctx, a, *slug)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Published version %d of a demo program of %s: %d sessions, %d proposals. %s/c/%s/program\n",
			version, *slug, sessions, items, cfg.BaseURL, *slug)
		return nil
	}
	if args[0] == "challenging-norms" {
		conf, created, err := seedChallengingNorms(ctx, a, time.Now())
		if err != nil {
			return err
		}
		if created {
			fmt.Fprintf(stdout, "Created %s (%s to %s) with its call for proposals: %s/c/%s\n", conf.Name,
				conf.StartsOn.Format(time.DateOnly), conf.EndsOn.Format(time.DateOnly), cfg.BaseURL, conf.Slug)
		} else {
			fmt.Fprintf(stdout, "%s already exists: nothing to do. %s/c/%s\n", conf.Name, cfg.BaseURL, conf.Slug)
		}
		fmt.Fprintf(stdout, "Make someone its organizer on %s/c/%s/manage/team (as an administrator).\n", cfg.BaseURL, conf.Slug)
		return nil
	}
	n := *submitters
	if n == 0 && *proposals > 0 {
		n = max(1, (*proposals+1)/2)
	}
	var res demoResult
	if n > 0 {
		if res, err = seedDemo(ctx, a, *slug, *proposals, n, *password); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Added %d proposals by %d submitters to %s (password of every submitter: %q).\n", res.proposals, len(res.users), *slug, *password)
	}
	if *tokens != "" {
		if err := writeTokens(ctx, a, res.users, *tokens); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Wrote %d API tokens to %s.\n", len(res.users), *tokens)
	}
	if *reviewers > 0 {
		rr, err := seedReviews(ctx, a, *slug, *reviewers, *perProposal, *password)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Added %d reviewers, %d assignments and %d submitted reviews to %s.\n", len(rr.reviewers), rr.assigned, rr.reviews, *slug)
	}
	return nil
}

// challengingNormsDates returns the conference's days and the call's close for a seed made at now:
// the second Friday and Saturday of October, in the first year whose June 30 deadline is still ahead.
func challengingNormsDates(now time.Time, loc *time.Location) (start time.Time, closes time.Time) {
	year := now.In(loc).Year()
	if !now.Before(time.Date(year, 6, 30, 23, 59, 0, 0, loc)) {
		year++
	}
	d := time.Date(year, 10, 1, 0, 0, 0, 0, time.UTC)
	for d.Weekday() != time.Friday {
		d = d.AddDate(0, 0, 1)
	}
	return d.AddDate(0, 0, 7), time.Date(year, 6, 30, 23, 59, 0, 0, loc)
}

// seedChallengingNorms creates the first conference and its call. It reports false when the
// conference and its call already exist.
func seedChallengingNorms(ctx context.Context, a *app, now time.Time) (conference.Conference, bool, error) {
	const slug = "challenging-norms"
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		return conference.Conference{}, false, fmt.Errorf("time zone America/New_York: %w", err)
	}
	start, closes := challengingNormsDates(now, loc)
	conf, err := a.confs.Get(ctx, slug)
	if apperr.Is(err, apperr.NotFound) {
		conf, err = a.confs.Seed(ctx, conference.CreateInput{Slug: slug, Name: "Challenging Norms", TimeZone: "America/New_York",
			StartsOn: start.Format(time.DateOnly), EndsOn: start.AddDate(0, 0, 1).Format(time.DateOnly)})
	}
	if err != nil {
		return conf, false, err
	}
	created, err := a.calls.Seed(ctx, conf, challengingNormsCall(now.In(loc), closes, slug))
	if err != nil {
		return conf, created, err
	}
	// Registration: free, online, open from now until the conference's last evening, without a cap.
	desk, err := a.regs.Desk(ctx, conf)
	if err != nil || desk.Settings.Exists {
		return conf, created, err
	}
	set := registration.DefaultSettings(conf.Name)
	set.Open = true
	until := time.Date(start.Year(), start.Month(), start.Day()+1, 17, 0, 0, 0, loc)
	set.ClosesAt = &until
	set.JoinInfo = challengingNormsJoinInfo
	_, err = a.regs.SeedSettings(ctx, conf, set)
	return conf, true, err
}

// challengingNormsJoinInfo is what a registrant's confirmation tells them about taking part.
const challengingNormsJoinInfo = `Challenging Norms is online. A week before the conference, and again the day before, you
receive the links to join the sessions; they are also on your registration page from then on.

- Every session has live captions (CART), and recordings with corrected captions follow within a week.
- ASL interpretation is available in the main sessions; ask for it in the accommodations on your registration.
- You can take part by phone: the dial-in numbers come with the links.

Questions about access or anything else: program@challengingnorms.example.org.`

// challengingNormsCall is the call of Challenging Norms: three tracks and four formats.
func challengingNormsCall(opens, closes time.Time, slug string) cfp.Setup {
	long := func(id, label, help string, words int, required bool) question.Question {
		return question.Question{ID: id, Label: label, Help: help, Kind: question.LongText, MaxWords: words, Required: required}
	}
	audiences := []string{"Medical students", "Residents and fellows", "Faculty", "Deans and program directors",
		"Academic administrators", "Community members", "Graduate students and postdoctoral fellows"}
	return cfp.Setup{
		Call: cfp.CallInput{Opens: opens.Format(cfp.LocalLayout), Closes: closes.Format(cfp.LocalLayout),
			ContactEmail: "program@challengingnorms.example.org",
			IntroMD:      strings.ReplaceAll(seedIntro, "{{slug}}", slug), GuideMD: seedGuide, FAQMD: seedFAQ},
		Tracks: []cfp.TrackInput{
			{Name: "Undergraduate medical education", Description: "Admissions, curricula, assessment and grading, the learning environment, and support for medical students."},
			{Name: "Graduate medical education", Description: "Residency and fellowship: recruitment and selection, evaluation, clinical learning environments, and the wellbeing of house staff."},
			{Name: "Medical education and the community", Description: "Partnerships between academic medicine and the communities it serves: community-engaged teaching, research and accountability."},
		},
		Formats: []cfp.FormatInput{
			{Name: "Poster abstract", DurationMinutes: 10, MaxPresenters: 4, AbstractMaxWords: 250, Accepting: true,
				Description: "A structured abstract of a project, study or program, shown as a virtual poster with a five-minute recorded walk-through and live questions. " +
					"The abstract summarizes the whole work for the program; the four sections after it are the structure reviewers read.",
				Fields: []question.Question{
					long("background", "Background", "The problem and its context: what made this work necessary?", 150, true),
					long("approach", "Approach or methods", "What you did, with whom, and how you collected what you learned.", 150, true),
					long("outcomes", "Outcomes or lessons learned", "Results may be preliminary; describe what you have learned so far.", 150, true),
					long("implications", "Implications for anti-racist transformation", "What should others take from this, and what would you do differently?", 100, true),
					{ID: "stage", Label: "Stage of the work", Kind: question.SingleChoice, Required: true,
						Options: []string{"An idea or a plan", "In progress", "Completed", "Evaluated with data"}},
				}},
			{Name: "Personal narrative", DurationMinutes: 15, MaxPresenters: 2, AbstractMaxWords: 200, Accepting: true,
				Description: "A story from your own life or work about racism in medical education and what it taught you, told in about ten minutes, with time for reflection.",
				Fields: []question.Question{
					long("narrative", "Your narrative in outline", "The story you will tell: what happened, and what it meant to you. You decide what to share.", 500, true),
					long("reflection", "What others can take from it", "What you hope listeners will think about or do differently.", 150, true),
					{ID: "content_notes", Label: "Content notes", Kind: question.Text,
						Help: "Topics some listeners may want warning of, e.g. racial violence or medical trauma."},
					{ID: "support", Label: "I would like to talk my narrative through with an organizer before the conference", Kind: question.Checkbox},
				}},
			{Name: "Workshop", DurationMinutes: 90, MaxPresenters: 4, AbstractMaxWords: 250, Accepting: true,
				Description: "Ninety minutes in which participants practise something they can use. Interactive for most of its time.",
				Fields: []question.Question{
					long("objectives", "Learning objectives", "Three to five objectives: “By the end, participants will be able to…”.", 150, true),
					long("plan", "Interactive plan and timeline", "Minute by minute: how participants will take part (cases, breakout rooms, reflection, practice).", 400, true),
					{ID: "audience", Label: "Who is it for?", Kind: question.MultipleChoice, Required: true, Options: audiences},
					{ID: "size", Label: "Largest number of participants", Kind: question.SingleChoice, Required: true,
						Options: []string{"Up to 25", "Up to 50", "Up to 100", "No limit"}},
					long("accessibility", "How will you make it accessible?", "Captions, described visuals, alternatives to breakout rooms, materials shared in advance…", 100, true),
				}},
			{Name: "Fireside chat", DurationMinutes: 45, MaxPresenters: 4, AbstractMaxWords: 200, Accepting: true,
				Description: "A moderated conversation between two to four people who bring different perspectives to one question, with the audience joining in.",
				Fields: []question.Question{
					long("discussants", "Discussants and their perspectives", "Describe each discussant by role and perspective (e.g. “a community health worker from a rural clinic”), not by name: review is blind.", 150, true),
					long("questions", "Guiding questions", "Three to six questions that will guide the conversation.", 200, true),
					long("audience_part", "How will the audience take part?", "", 100, false),
				}},
		},
	}
}

// discardOutbox drops messages: demo proposals are made without mail to their made-up addresses.
type discardOutbox struct{}

func (discardOutbox) Enqueue(context.Context, notify.Message) error { return nil }

type demoResult struct {
	users     []account.User
	proposals int
}

// seedDemo adds n proposals by m made-up submitters to the conference, created as of a moment when
// its call is open.
func seedDemo(ctx context.Context, a *app, slug string, n, m int, password string) (demoResult, error) {
	var res demoResult
	conf, err := a.confs.Get(ctx, slug)
	if err != nil {
		return res, fmt.Errorf("conference %q: %w (run 'conference seed challenging-norms' first)", slug, err)
	}
	call, err := a.calls.Call(ctx, conf)
	if err != nil {
		return res, err
	}
	formats, err := a.calls.Formats(ctx, conf)
	if err != nil {
		return res, err
	}
	tracks, err := a.calls.Tracks(ctx, conf)
	if err != nil {
		return res, err
	}
	if len(formats) == 0 {
		return res, errors.New("the conference's call has no formats")
	}
	r := rand.New(rand.NewPCG(uint64(len(slug)), 2027))
	stamp := time.Now().UnixNano()
	people := make([]account.SeedPerson, m)
	for i := range people {
		first, last := demoFirst[r.IntN(len(demoFirst))], demoLast[r.IntN(len(demoLast))]
		role := account.ParticipantRoles[r.IntN(len(account.ParticipantRoles)-1)].Value
		people[i] = account.SeedPerson{Name: first + " " + last, Email: fmt.Sprintf("demo.%d.%d@example.org", stamp, i+1),
			Profile: account.Profile{Pronouns: demoPronouns[r.IntN(len(demoPronouns))], Role: role,
				Institution: demoInstitutions[r.IntN(len(demoInstitutions))],
				Bio:         first + " " + last + " works on " + demoTopics[r.IntN(len(demoTopics))] + " and " + demoTopics[r.IntN(len(demoTopics))] + "."}}
	}
	if res.users, err = a.accounts.SeedUsers(ctx, people, password); err != nil {
		return res, err
	}
	// A service whose clock stands inside the call's window, and which sends no mail.
	at := call.OpensAt.Add(time.Minute)
	if now := time.Now(); now.After(call.OpensAt) && now.Before(call.ClosesAt) {
		at = now
	}
	subs := submission.NewService(submission.Options{Store: store.Proposals{DB: a.db}, Calls: a.calls, Outbox: discardOutbox{},
		Audit: store.Audit{DB: a.db}, Secret: a.cfg.SecretKey, BaseURL: a.cfg.BaseURL, Now: func() time.Time { return at }})
	for i := range n {
		u := res.users[i%len(res.users)]
		p := &access.Principal{UserID: u.ID, Email: u.Email, Name: u.Name}
		f := formats[i%len(formats)]
		c := demoContent(r, f, tracks)
		prop, _, err := subs.Create(ctx, p, conf, submission.CreateInput{Content: c})
		if err != nil {
			return res, fmt.Errorf("demo proposal %d: %w", i+1, err)
		}
		switch x := r.IntN(20); {
		case x < 2: // some stay drafts
		case x == 2:
			if _, _, err := subs.Submit(ctx, p, conf, prop.ID, 0); err != nil {
				return res, err
			}
			if _, err := subs.Withdraw(ctx, p, conf, prop.ID); err != nil {
				return res, err
			}
		default:
			if _, _, err := subs.Submit(ctx, p, conf, prop.ID, 0); err != nil {
				return res, fmt.Errorf("submit demo proposal %d: %w", i+1, err)
			}
		}
		res.proposals++
	}
	return res, nil
}

// demoContent writes a proposal of the format that passes its checks, with lengths near the limits.
func demoContent(r *rand.Rand, f cfp.Format, tracks []cfp.Track) submission.Content {
	c := submission.Content{FormatID: f.ID, Answers: question.Answers{}}
	if len(tracks) > 0 {
		c.TrackID = &tracks[r.IntN(len(tracks))].ID
	}
	topic := demoTopics[r.IntN(len(demoTopics))]
	c.Title = strings.ToUpper(topic[:1]) + topic[1:] + ": " + demoTitleEnds[r.IntN(len(demoTitleEnds))]
	c.Abstract = demoText(r, f.AbstractMaxWords*3/5+r.IntN(f.AbstractMaxWords*2/5))
	for _, q := range f.Fields {
		switch q.Kind {
		case question.LongText, question.Text:
			if !q.Required && r.IntN(2) == 0 {
				continue
			}
			limit := q.MaxWords
			if limit == 0 {
				limit = 12
			}
			c.Answers[q.ID] = []string{demoText(r, max(3, limit/2+r.IntN(limit/2+1)))}
		case question.SingleChoice:
			c.Answers[q.ID] = []string{q.Options[r.IntN(len(q.Options))]}
		case question.MultipleChoice:
			c.Answers[q.ID] = []string{q.Options[r.IntN(len(q.Options))]}
		case question.Checkbox:
			if r.IntN(3) == 0 {
				c.Answers[q.ID] = []string{"yes"}
			}
		}
	}
	return c
}

// demoText writes sentences of about words words from the conference's vocabulary.
func demoText(r *rand.Rand, words int) string {
	var b strings.Builder
	n := 0
	for n < words {
		s := demoSentences[r.IntN(len(demoSentences))]
		w := len(strings.Fields(s))
		if n+w > words && n > 0 {
			break
		}
		if b.Len() > 0 {
			if r.IntN(5) == 0 {
				b.WriteString("\n\n")
			} else {
				b.WriteString(" ")
			}
		}
		b.WriteString(s)
		n += w
	}
	return b.String()
}

// writeTokens makes an API token for each user and writes them as a JSON list to path.
func writeTokens(ctx context.Context, a *app, users []account.User, path string) error {
	type entry struct {
		Email string `json:"email"`
		Token string `json:"token"`
	}
	out := make([]entry, len(users))
	for i, u := range users {
		t, err := a.accounts.CreateAPIToken(ctx, u, "load test", 7*24*time.Hour)
		if err != nil {
			return err
		}
		out[i] = entry{Email: u.Email, Token: t.Secret}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

var (
	demoFirst = []string{"Amara", "Kwame", "Mei", "Nia", "José", "Aisha", "Tomás", "Imani", "Ravi", "Leila", "Dakota", "Sun-hee",
		"Oluwaseun", "Guadalupe", "Malik", "Hana", "Thandiwe", "Rosa", "Yusuf", "Ayasha"}
	demoLast = []string{"Okafor", "Mensah", "Chen", "Johnson", "Ramírez", "Haddad", "Nguyen", "Washington", "Begay", "Kim",
		"Adeyemi", "Hernández", "Patel", "Tsosie", "Baptiste", "Osei", "Morales", "Ali", "Jackson", "Yazzie"}
	demoPronouns     = []string{"", "she/her", "he/him", "they/them", "she/they"}
	demoInstitutions = []string{"Meharry Medical College", "Morehouse School of Medicine", "Howard University College of Medicine",
		"University of New Mexico School of Medicine", "Charles R. Drew University", "Eastside Community Health Center",
		"Independent", "Southside Health Equity Coalition", "State University School of Medicine", "Riverside Family Medicine Residency"}
	demoTopics = []string{"holistic admissions review", "race-conscious clinical reasoning", "bias in clerkship grading",
		"community-engaged curricula", "structural competency", "mentoring underrepresented residents", "repairing trust with community partners",
		"anti-racist assessment", "race correction in clinical algorithms", "belonging in the learning environment",
		"resident recruitment equity", "patient advocacy training"}
	demoTitleEnds = []string{"lessons from three years", "a curriculum co-designed with the community", "what changed and what did not",
		"a workshop for program directors", "stories from the wards", "moving from words to policy", "measuring what matters"}
	demoSentences = []string{
		"We examined how narrative evaluations differed by race and ethnicity across four core clerkships.",
		"Community partners co-led every planning meeting and were paid for their time.",
		"Students described the learning environment as more inclusive after the change.",
		"We removed race from the estimated glomerular filtration rate calculation taught in the second year.",
		"Faculty completed a structured training on writing specific, behavioural feedback.",
		"Residents from groups underrepresented in medicine reported fewer experiences of being mistaken for non-clinical staff.",
		"The program committee rewrote its interview questions with input from current residents.",
		"We share the tools we used, including the rubric and the facilitator guide.",
		"Participants will practise responding to a microaggression using short, realistic cases.",
		"Our evaluation combined focus groups with an analysis of grade distributions before and after.",
		"The clinic's advisory board set the priorities for the service-learning placements.",
		"This work is ongoing, and we will present what we have learned so far, including what did not work.",
		"Learners reflected on their own positionality in small groups led by trained peers.",
		"We tracked whether honours grades were distributed more equitably in the following academic year.",
		"The conversation will centre the voices of community health workers who train our students.",
	}
)
