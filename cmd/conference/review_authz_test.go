package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/assign"
	"github.com/challenging-norms/conference/internal/review"
	"github.com/challenging-norms/conference/internal/submission"
)

// role is who calls a route in the authorization matrix.
type role string

const (
	anonymous          role = "anonymous"
	thePresenter       role = "presenter of the proposal"
	conflictedReviewer role = "conflicted reviewer"
	assignedReviewer   role = "assigned reviewer"
	unassignedReviewer role = "unassigned reviewer"
	otherOrganizer     role = "organizer of another conference"
	theOrganizer       role = "organizer"
	conflictedOrg      role = "conflicted organizer"
)

// roles are called in this order on each route.
var roles = []role{anonymous, thePresenter, conflictedReviewer, assignedReviewer, unassignedReviewer, otherOrganizer, theOrganizer, conflictedOrg}

// reviewRoute is one route of the matrix: what each role gets, and how to call it.
type reviewRoute struct {
	method, path string // as Echo serves it
	want         map[role]int
	// url gives the concrete path (default: the conference, the proposal, a made-up invitation
	// token, the spare reviewer, the waitlist notice); body the JSON body ("" for none).
	url  func(m *matrix, who role) string
	body func(m *matrix, who role) string
	// lists marks a route that lists or counts proposals: the organizer's and the assigned reviewer's
	// answers show the proposal, the conflicted viewers' show the other proposal and never this one.
	lists bool
	// after runs after each call, to undo a change later rows must not see.
	after func(m *matrix, who role, status int)
}

// matrix is a conference in the middle of review: a proposal P with a reviewer assigned who reviewed
// it, a reviewer and an organizer in conflict with it, its decision sent, and another proposal Q.
type matrix struct {
	t          *testing.T
	ta         *testApp
	f          callFixture
	base, mg   string
	p, q       int64
	r          int64 // undecided, submitted after the decisions: what planning still has to do
	pTitle     string
	qTitle     string
	tokens     map[role]string
	principals map[role]*access.Principal
	spare      *access.Principal
	stalePlan  int64
	// secrets are what a reviewer never reads in double-blind review: the presenters' names, emails
	// and institutions; pSecrets what nobody in conflict with P reads: its title, review and talk.
	secrets  []string
	pSecrets []string
	seq      int
}

func everyone(status int) map[role]int {
	w := map[role]int{anonymous: http.StatusUnauthorized}
	for _, r := range roles[1:] {
		w[r] = status
	}
	return w
}

// reviewersOnly: the reviewer role is needed; the wrong role gets 403 whatever the proposal.
func reviewersOnly(conflicted, assigned, unassigned int) map[role]int {
	w := everyone(http.StatusForbidden)
	w[conflictedReviewer], w[assignedReviewer], w[unassignedReviewer] = conflicted, assigned, unassigned
	return w
}

// organizersOnly: the right to run review is needed.
func organizersOnly(organizer, conflicted int) map[role]int {
	w := everyone(http.StatusForbidden)
	w[theOrganizer], w[conflictedOrg] = organizer, conflicted
	return w
}

// presentersOnly: anyone but the proposal's presenters is told it does not exist.
func presentersOnly(status int) map[role]int {
	w := everyone(http.StatusNotFound)
	w[thePresenter] = status
	return w
}

func (m *matrix) get(who role, path string) map[string]any {
	m.t.Helper()
	r := sendJSON(m.t, m.ta, http.MethodGet, path, m.tokens[who], "")
	if r.Status != http.StatusOK {
		m.t.Fatalf("GET %s as %s: %d %v", path, who, r.Status, r.JSON)
	}
	return r.JSON
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// reviewRoutes is every review-related route of the API with what each role gets. A route added to
// the API without a row here fails TestReviewAuthorizationMatrix.
func reviewRoutes() []reviewRoute {
	const (
		ok        = http.StatusOK
		created   = http.StatusCreated
		noContent = http.StatusNoContent
		forbidden = http.StatusForbidden
		notFound  = http.StatusNotFound
		conflict  = http.StatusConflict
	)
	mg := "/api/v1/conferences/:slug/manage/review"
	rv := "/api/v1/conferences/:slug/review"
	return []reviewRoute{
		{method: "GET", path: "/api/v1/me/review-invitations", want: everyone(ok)},
		{method: "POST", path: "/api/v1/me/review-invitations/:id/accept", want: everyone(notFound)},
		{method: "POST", path: "/api/v1/me/review-invitations/:id/decline", want: everyone(notFound)},
		{method: "GET", path: "/api/v1/review-invitations/:token", want: everyone(notFound)},
		{method: "POST", path: "/api/v1/review-invitations/:token/accept", want: everyone(notFound)},
		{method: "POST", path: "/api/v1/review-invitations/:token/decline", want: everyone(notFound)},

		{method: "GET", path: rv + "/tasks", want: reviewersOnly(ok, ok, ok), lists: true},
		{method: "GET", path: rv + "/profile", want: reviewersOnly(ok, ok, ok)},
		{method: "PUT", path: rv + "/profile", want: reviewersOnly(ok, ok, ok), body: func(m *matrix, who role) string {
			if r := sendJSON(m.t, m.ta, http.MethodGet, m.base+"/review/profile", m.tokens[who], ""); r.Status == http.StatusOK {
				return r.Body // the profile as read is the request to save it unchanged
			}
			return `{"version":0}`
		}},
		// A search both proposals match: the search results and their count leave the proposal out.
		{method: "GET", path: rv + "/bids", want: reviewersOnly(ok, ok, ok), lists: true,
			url: func(m *matrix, _ role) string { return m.base + "/review/bids?q=curriculum" }},
		{method: "PUT", path: rv + "/bids", want: reviewersOnly(notFound, noContent, noContent), body: func(m *matrix, _ role) string {
			return fmt.Sprintf(`{"bids":{"%d":"willing"}}`, m.p)
		}},
		{method: "GET", path: rv + "/proposals/:id", want: reviewersOnly(notFound, ok, notFound)},
		{method: "PUT", path: rv + "/proposals/:id/review", want: reviewersOnly(notFound, ok, notFound), body: func(m *matrix, who role) string {
			version := 0
			if who == assignedReviewer {
				sh, err := m.ta.reviews.Sheet(context.Background(), m.principals[who], m.f.conf, m.p)
				if err != nil {
					m.t.Fatal(err)
				}
				version = sh.Own.Version
			}
			return fullReview(version, 4, m.pSecrets[1], m.pSecrets[2])
		}},
		{method: "POST", path: rv + "/proposals/:id/discussion", want: reviewersOnly(notFound, created, notFound), body: func(m *matrix, _ role) string {
			return `{"body":"A question for the other reviewers."}`
		}},
		{method: "GET", path: rv + "/calibration", want: reviewersOnly(ok, ok, ok)},

		{method: "GET", path: mg + "/settings", want: organizersOnly(ok, ok)},
		{method: "PUT", path: mg + "/settings", want: organizersOnly(ok, ok), body: func(m *matrix, _ role) string {
			st := m.get(theOrganizer, m.mg+"/settings")
			return m.settings(int(num(st["version"])))
		}},
		{method: "GET", path: mg + "/formats", want: organizersOnly(ok, ok)},
		{method: "PUT", path: mg + "/formats/:id", want: organizersOnly(ok, ok),
			url: func(m *matrix, _ role) string {
				return fmt.Sprintf("%s/formats/%d", m.mg, m.f.formats["Poster abstract"].ID)
			},
			body: func(m *matrix, _ role) string {
				for _, x := range list(m.get(theOrganizer, m.mg+"/formats")["formats"]) {
					if num(x["format_id"]) == m.f.formats["Poster abstract"].ID {
						return mustJSON(map[string]any{"version": x["version"], "reviewers": x["reviewers"], "slots": x["slots"], "criteria": x["criteria"]})
					}
				}
				m.t.Fatal("no poster rubric")
				return ""
			}},
		{method: "GET", path: mg + "/invitations", want: organizersOnly(ok, ok)},
		{method: "POST", path: mg + "/invitations", want: organizersOnly(created, created), body: func(m *matrix, _ role) string {
			return fmt.Sprintf(`{"invitees":[{"name":"New Reviewer","email":%q}]}`, uniqueEmail("matrix.invitee"))
		}},
		{method: "GET", path: mg + "/reviewers", want: organizersOnly(ok, ok)},
		{method: "GET", path: mg + "/conflicts", want: organizersOnly(ok, ok), lists: true},
		{method: "GET", path: mg + "/proposals/:id", want: organizersOnly(ok, notFound)},
		{method: "POST", path: mg + "/proposals/:id/discussion", want: organizersOnly(created, notFound), body: func(m *matrix, _ role) string {
			return `{"body":"Please settle the clarity score."}`
		}},
		{method: "POST", path: mg + "/plans", want: organizersOnly(created, created)},
		{method: "GET", path: mg + "/plans/:id", want: organizersOnly(ok, ok), lists: true,
			url: func(m *matrix, _ role) string { return fmt.Sprintf("%s/plans/%d", m.mg, m.stalePlan) }},
		{method: "POST", path: mg + "/plans/:id/commit", want: organizersOnly(ok, ok), url: func(m *matrix, who role) string {
			id := m.stalePlan
			if p := m.principals[who]; p != nil && p.Can(access.ManageReview, m.f.conf.ID) {
				pv, err := m.ta.reviews.PreviewAssignment(context.Background(), p, m.f.conf)
				if err != nil {
					m.t.Fatal(err)
				}
				id = pv.ID
			}
			return fmt.Sprintf("%s/plans/%d/commit", m.mg, id)
		}},
		{method: "GET", path: mg + "/assignments", want: organizersOnly(ok, ok), lists: true},
		// P is decided, so its reviewers no longer change: the organizer hears so, the conflicted one
		// does not learn that P exists.
		{method: "POST", path: mg + "/assignments", want: organizersOnly(conflict, notFound), body: func(m *matrix, _ role) string {
			return fmt.Sprintf(`{"change":"add","proposal_id":%d,"user_id":%d}`, m.p, m.spare.UserID)
		}, after: func(m *matrix, _ role, status int) {
			if status == http.StatusNoContent {
				m.change(assign.Remove, m.p, m.spare.UserID)
			}
		}},
		{method: "PUT", path: mg + "/proposals/:id/conflicts/:user_id", want: organizersOnly(noContent, notFound), body: func(m *matrix, _ role) string {
			return `{"reason":"Supervised the work."}`
		}},
		{method: "DELETE", path: mg + "/proposals/:id/conflicts/:user_id", want: organizersOnly(noContent, notFound)},
		{method: "PUT", path: mg + "/calibration/:id", want: organizersOnly(noContent, notFound)},
		{method: "DELETE", path: mg + "/calibration/:id", want: organizersOnly(noContent, notFound)},
		{method: "GET", path: mg + "/progress", want: organizersOnly(ok, ok), lists: true},
		{method: "POST", path: mg + "/reminders", want: organizersOnly(ok, ok)},
		{method: "GET", path: mg + "/ranking", want: organizersOnly(ok, ok), lists: true},
		{method: "GET", path: mg + "/ranking.csv", want: organizersOnly(ok, ok), lists: true},
		{method: "GET", path: mg + "/decisions", want: organizersOnly(ok, ok), lists: true},
		{method: "GET", path: mg + "/templates", want: organizersOnly(ok, ok)},
		{method: "PUT", path: mg + "/templates/:kind", want: organizersOnly(ok, ok), body: func(m *matrix, _ role) string {
			for _, x := range list(m.get(theOrganizer, m.mg+"/templates")["templates"]) {
				if x["kind"] == "waitlist" {
					return mustJSON(map[string]any{"version": x["version"], "subject": x["subject"], "body": x["body"]})
				}
			}
			m.t.Fatal("no waitlist template")
			return ""
		}},
		{method: "POST", path: mg + "/templates/:kind/preview", want: organizersOnly(ok, notFound), body: func(m *matrix, _ role) string {
			return fmt.Sprintf(`{"subject":"On the waiting list","body":"Dear {{name}}, {{title}} waits.","proposal_id":%d}`, m.p)
		}},
		{method: "GET", path: mg + "/notices", want: organizersOnly(ok, ok), lists: true},
		{method: "POST", path: mg + "/notices/generate", want: organizersOnly(ok, ok)},
		{method: "POST", path: mg + "/notices/send", want: organizersOnly(ok, ok)},

		{method: "GET", path: "/api/v1/conferences/:slug/proposals/:id/feedback", want: presentersOnly(ok)},
		{method: "POST", path: "/api/v1/conferences/:slug/proposals/:id/participation", want: presentersOnly(ok), body: func(m *matrix, _ role) string {
			return `{"confirm":true}`
		}},

		// These change what later rows rely on: a new decision takes the sent one back, and declaring
		// a conflict takes the assignment away.
		{method: "PUT", path: mg + "/proposals/:id/decision", want: organizersOnly(ok, notFound), body: func(m *matrix, _ role) string {
			return `{"decision":"accepted","note":"Still first."}`
		}},
		{method: "POST", path: mg + "/proposals/:id/release-comments", want: organizersOnly(ok, notFound)},
		{method: "POST", path: rv + "/proposals/:id/conflict", want: reviewersOnly(notFound, noContent, noContent), body: func(m *matrix, _ role) string {
			return `{"reason":"I know the team."}`
		}},
	}
}

// settings is the matrix conference's review settings as a request at the version.
func (m *matrix) settings(version int) string {
	loc, now := m.f.conf.Location(), time.Now()
	return fmt.Sprintf(`{"version":%d,"blind":"double","bidding_opens_at":%q,"bidding_closes_at":%q,"review_deadline":%q,"confirm_by":%q,
		"reminder_hours":72,"not_preferred_cap":3}`, version, localTime(now.Add(-time.Hour), loc), localTime(now.Add(48*time.Hour), loc),
		localTime(now.Add(30*24*time.Hour), loc), localTime(now.Add(60*24*time.Hour), loc))
}

func (m *matrix) change(kind assign.ChangeKind, proposal, reviewer int64) {
	m.t.Helper()
	if err := m.ta.reviews.ChangeAssignment(context.Background(), m.principals[theOrganizer], m.f.conf,
		assign.Change{Kind: kind, Proposal: proposal, Reviewer: reviewer}); err != nil {
		m.t.Fatal(err)
	}
}

// person makes a confirmed account, with a complete profile when an institution is given.
func (m *matrix) person(name, email, institution string) account.User {
	m.t.Helper()
	u := newUser(m.t, m.ta, email, name)
	if institution == "" {
		return u
	}
	u, err := m.ta.accounts.UpdateProfile(context.Background(), u, name, account.Profile{Role: account.Faculty, Institution: institution,
		Bio: name + " teaches."})
	if err != nil {
		m.t.Fatal(err)
	}
	return u
}

func (m *matrix) principal(u account.User) *access.Principal {
	m.t.Helper()
	p, err := m.ta.accounts.Principal(context.Background(), u)
	if err != nil {
		m.t.Fatal(err)
	}
	return p
}

// newMatrix sets up the conference of the matrix through the services, as review would have gone.
func newMatrix(t *testing.T, ta *testApp) *matrix {
	ctx := context.Background()
	m := &matrix{t: t, ta: ta, f: openCall(t, ta, time.Time{}), tokens: map[role]string{}, principals: map[role]*access.Principal{}}
	m.base = "/api/v1/conferences/" + m.f.conf.Slug
	m.mg = m.base + "/manage/review"
	stamp := unique()
	domain := fmt.Sprintf("kinship%d.test", stamp)
	m.pTitle = fmt.Sprintf("Kinship care in residency selection %d", stamp)
	m.qTitle = fmt.Sprintf("Community voices in admissions %d", stamp)
	m.pSecrets = []string{m.pTitle, fmt.Sprintf("P-to-presenters-%d", stamp), fmt.Sprintf("P-confidential-%d", stamp), fmt.Sprintf("P-discussion-%d", stamp)}

	admin := &access.Principal{Admin: true, UserID: newUser(t, ta, uniqueEmail("matrix.admin"), "Matrix Admin").ID}
	users := map[role]account.User{
		thePresenter:       m.person("Zawadi Mwangi", fmt.Sprintf("zawadi@%s", domain), "Kinship Health Collective"),
		conflictedReviewer: m.person("Colleague Reviewer", fmt.Sprintf("colleague.reviewer@%s", domain), ""),
		assignedReviewer:   m.person("Assigned Reviewer", uniqueEmail("assigned"), ""),
		unassignedReviewer: m.person("Unassigned Reviewer", uniqueEmail("unassigned"), ""),
		theOrganizer:       m.principalUser(m.f.organizer),
		conflictedOrg:      m.person("Colleague Organizer", fmt.Sprintf("colleague.organizer@%s", domain), ""),
	}
	other := openCall(t, ta, time.Time{})
	users[otherOrganizer] = m.principalUser(other.organizer)
	qPresenter := m.person("Quentin Obi", uniqueEmail("quentin"), "Lakeside Community Health")
	spare := m.person("Spare Reviewer", uniqueEmail("spare"), "")
	decliner := m.person("Declaring Reviewer", uniqueEmail("decliner"), "")
	m.secrets = []string{"Zawadi Mwangi", users[thePresenter].Email, "Kinship Health Collective", "Quentin Obi", qPresenter.Email, "Lakeside Community Health"}
	grant := func(u account.User, r access.Role) {
		if err := ta.confs.Grant(ctx, admin, m.f.conf, u.Email, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, who := range []role{conflictedReviewer, assignedReviewer, unassignedReviewer} {
		grant(users[who], access.Reviewer)
	}
	grant(spare, access.Reviewer)
	grant(decliner, access.Reviewer)
	grant(users[conflictedOrg], access.Organizer)
	for who, u := range users {
		m.principals[who] = m.principal(u)
		m.tokens[who], _ = apiToken(t, ta, u.Email)
	}
	m.spare = m.principal(spare)
	org := m.principals[theOrganizer]

	// Settings and rubric: one reviewer a poster, ten slots.
	if r := sendJSON(t, ta, http.MethodPut, m.mg+"/settings", m.tokens[theOrganizer], m.settings(0)); r.Status != http.StatusOK {
		t.Fatalf("settings: %d %v", r.Status, r.JSON)
	}
	poster := m.f.formats["Poster abstract"]
	cfg, err := ta.reviews.FormatConfig(ctx, m.f.conf, poster)
	if err != nil {
		t.Fatal(err)
	}
	ten := 10
	cfg.Reviewers, cfg.Slots = 1, &ten
	if _, err := ta.reviews.SaveFormatConfig(ctx, org, m.f.conf, cfg); err != nil {
		t.Fatal(err)
	}

	// The proposals; a reviewer declares a conflict with each; a plan made now, stale later.
	qToken, _ := apiToken(t, ta, qPresenter.Email)
	m.p = submitPoster(t, ta, m.f, m.tokens[thePresenter], m.pTitle)
	m.q = submitPoster(t, ta, m.f, qToken, m.qTitle)
	for _, id := range []int64{m.p, m.q} {
		if err := ta.reviews.DeclareConflict(ctx, m.principal(decliner), m.f.conf, id, "A former student."); err != nil {
			t.Fatal(err)
		}
	}
	pv, err := ta.reviews.PreviewAssignment(ctx, org, m.f.conf)
	if err != nil || len(pv.Plan.New) != 2 {
		t.Fatalf("the plan: %+v %v", pv.Plan.New, err)
	}
	m.stalePlan = pv.ID

	// Assignments and reviews by hand: P to the assigned reviewer, Q to the two others.
	m.change(assign.Add, m.p, m.principals[assignedReviewer].UserID)
	m.change(assign.Add, m.q, m.principals[conflictedReviewer].UserID)
	m.change(assign.Add, m.q, m.principals[unassignedReviewer].UserID)
	scores := map[string]int{}
	for _, c := range cfg.Criteria {
		scores[c.ID] = 4
	}
	if _, err := ta.reviews.SaveReview(ctx, m.principals[assignedReviewer], m.f.conf, m.p, 0, review.ReviewInput{Scores: scores, Recommendation: 4,
		Confidence: 3, ToPresenters: m.pSecrets[1], ToOrganizers: m.pSecrets[2], Submit: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.reviews.Discuss(ctx, m.principals[assignedReviewer], m.f.conf, m.p, m.pSecrets[3]); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.reviews.SaveReview(ctx, m.principals[conflictedReviewer], m.f.conf, m.q, 0, review.ReviewInput{Scores: scores, Recommendation: 3,
		Confidence: 2, ToPresenters: "Q comments.", Submit: true}); err != nil {
		t.Fatal(err)
	}

	// Decisions, sent.
	if _, err := ta.reviews.Decide(ctx, org, m.f.conf, m.p, review.DecisionInput{Decision: submission.Accept}); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.reviews.Decide(ctx, org, m.f.conf, m.q, review.DecisionInput{Decision: submission.Waitlist}); err != nil {
		t.Fatal(err)
	}
	if n, err := ta.reviews.GenerateNotices(ctx, org, m.f.conf); err != nil || n != 2 {
		t.Fatalf("notices: %d %v", n, err)
	}
	if n, err := ta.reviews.SendNotices(ctx, org, m.f.conf, nil); err != nil || n != 2 {
		t.Fatalf("send: %d %v", n, err)
	}
	m.r = submitPoster(t, ta, m.f, qToken, fmt.Sprintf("Undecided after the others %d", stamp))
	return m
}

func (m *matrix) principalUser(email string) account.User {
	m.t.Helper()
	u, err := m.ta.accounts.User(context.Background(), userID(m.t, m.ta, email))
	if err != nil {
		m.t.Fatal(err)
	}
	return u
}

// fill makes a served path concrete.
func (m *matrix) fill(path string, proposal int64) string {
	r := strings.NewReplacer(":slug", m.f.conf.Slug, ":id", strconv.FormatInt(proposal, 10), ":token", "no-such-invitation-token",
		":user_id", strconv.FormatInt(m.spare.UserID, 10), ":kind", "waitlist")
	return r.Replace(path)
}

// mentions reports whether an answer names a proposal: by title, or by id in a proposal_id field
// (JSON) or the ID column (CSV).
func mentions(r reply, id int64, title string) bool {
	if strings.Contains(r.Body, title) {
		return true
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		rows, _ := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff"))).ReadAll()
		for _, row := range rows {
			if len(row) > 2 && row[2] == strconv.FormatInt(id, 10) {
				return true
			}
		}
		return false
	}
	var found bool
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, y := range x {
				if k == "proposal_id" && num(y) == id {
					found = true
				}
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	var doc any
	_ = json.Unmarshal([]byte(r.Body), &doc)
	walk(doc)
	return found
}

var problemCodes = map[int]string{http.StatusUnauthorized: "unauthenticated", http.StatusForbidden: "forbidden", http.StatusNotFound: "not_found",
	http.StatusConflict: "conflict", http.StatusUnprocessableEntity: "invalid"}

// TestReviewAuthorizationMatrix calls every review-related route of the API as each kind of person and
// checks the exact status each gets: 401 without a token; 403 for a route of another role, whatever
// the proposal; 404, never 403, for a proposal the caller conflicts with or is not assigned, the same
// answer as for an id that names no proposal. A conflicted reviewer's or organizer's answers never name
// the proposal, its review or its discussion, in lists and counts too, and no answer to a reviewer names
// a presenter. No mail to them does either.
func TestReviewAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	m := newMatrix(t, ta)
	table := reviewRoutes()

	// Every served review route has a row, and every row a served route.
	var served, rows []string
	for _, r := range ta.server.Handler().(*echo.Echo).Routes() {
		if r.Method == echo.RouteNotFound || !strings.HasPrefix(r.Path, "/api/v1/") {
			continue
		}
		for _, part := range []string{"/review", "/manage/review", "/review-invitations", "/feedback", "/participation"} {
			if strings.Contains(r.Path, part) {
				served = append(served, r.Method+" "+r.Path)
				break
			}
		}
	}
	for _, rt := range table {
		rows = append(rows, rt.method+" "+rt.path)
		for _, who := range roles {
			if _, ok := rt.want[who]; !ok {
				t.Errorf("%s %s: no status for %s", rt.method, rt.path, who)
			}
		}
	}
	slices.Sort(served)
	served = slices.Compact(served)
	slices.Sort(rows)
	for _, op := range served {
		if !slices.Contains(rows, op) {
			t.Errorf("%s is served but has no row in the authorization matrix", op)
		}
	}
	for _, op := range rows {
		if !slices.Contains(served, op) {
			t.Errorf("%s is in the authorization matrix but not served", op)
		}
	}
	if len(rows) != len(slices.Compact(slices.Clone(rows))) {
		t.Error("a route has two rows")
	}

	for _, rt := range table {
		for _, who := range roles {
			path := m.fill(rt.path, m.p)
			if rt.url != nil {
				path = rt.url(m, who)
			}
			body := ""
			if rt.body != nil {
				body = rt.body(m, who)
			}
			what := fmt.Sprintf("%s %s as %s", rt.method, rt.path, who)
			r := m.call(rt.method, path, who, body)
			want := rt.want[who]
			if r.Status != want {
				t.Errorf("%s: %d, want %d: %s", what, r.Status, want, r.Body)
				continue
			}
			if r.Status >= 400 {
				wantProblem(t, what, r.apiResponse, r.Status, problemCodes[r.Status])
				// A proposal one may not see is told apart from none at all by nothing.
				if r.Status == http.StatusNotFound && rt.url == nil && strings.Contains(rt.path, ":id") {
					none := m.call(rt.method, m.fill(rt.path, m.p+1_000_000_000), who, body)
					if none.Status != r.Status || none.JSON["detail"] != r.JSON["detail"] {
						t.Errorf("%s: %d %q, but for no proposal at all %d %q", what, r.Status, r.JSON["detail"], none.Status, none.JSON["detail"])
					}
				}
			} else {
				m.checkAnswer(what, rt, who, r)
				if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
					wantContract(t, rt.method, rt.path, r.Status, r.Body)
				}
			}
			if rt.after != nil {
				rt.after(m, who, r.Status)
			}
		}
	}

	// No mail to a reviewer names a presenter; none to a conflicted person names the proposal.
	for _, who := range []role{conflictedReviewer, assignedReviewer, unassignedReviewer, conflictedOrg} {
		rows, err := ta.db.SQL.Query(`SELECT subject, body_text FROM email_messages WHERE recipient = $1`, m.principals[who].Email)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var subject, text string
			if err := rows.Scan(&subject, &text); err != nil {
				t.Fatal(err)
			}
			n++
			for _, s := range m.secrets {
				if who != conflictedOrg && strings.Contains(subject+text, s) {
					t.Errorf("mail %q to the %s names %q", subject, who, s)
				}
			}
			for _, s := range m.pSecrets {
				if (who == conflictedReviewer || who == conflictedOrg) && strings.Contains(subject+text, s) {
					t.Errorf("mail %q to the %s names the proposal they conflict with", subject, who)
				}
			}
		}
		_ = rows.Close()
		if who == assignedReviewer && n == 0 {
			t.Errorf("the %s got no mail at all: the check above proves nothing", who)
		}
	}
}

// call sends a request as the role, with a JSON body when there is one.
func (m *matrix) call(method, path string, who role, body string) reply {
	m.t.Helper()
	if body != "" {
		return sendJSON(m.t, m.ta, method, path, m.tokens[who], body)
	}
	if token := m.tokens[who]; token != "" {
		return send(m.t, m.ta, method, path, nil, "Authorization", "Bearer "+token)
	}
	return send(m.t, m.ta, method, path, nil)
}

// checkAnswer checks what a successful answer shows its reader.
func (m *matrix) checkAnswer(what string, rt reviewRoute, who role, r reply) {
	m.t.Helper()
	switch who {
	case conflictedReviewer, assignedReviewer, unassignedReviewer:
		for _, s := range m.secrets {
			if strings.Contains(r.Body, s) {
				m.t.Errorf("%s: a reviewer reads %q in double-blind review", what, s)
			}
		}
	}
	if who == conflictedReviewer || who == conflictedOrg {
		if mentions(r, m.p, m.pTitle) {
			m.t.Errorf("%s: the answer names the proposal they conflict with: %s", what, r.Body)
		}
		for _, s := range m.pSecrets[1:] {
			if strings.Contains(r.Body, s) {
				m.t.Errorf("%s: the answer holds the review or discussion of the proposal they conflict with (%q)", what, s)
			}
		}
	}
	if !rt.lists {
		return
	}
	if items, ok := r.JSON["items"]; ok && num(r.JSON["total"]) != int64(len(list(items))) {
		m.t.Errorf("%s: a total of %v for %d items", what, r.JSON["total"], len(list(items)))
	}
	switch who {
	case theOrganizer, assignedReviewer:
		if !mentions(r, m.p, m.pTitle) {
			m.t.Errorf("%s: the proposal is missing, so the check of the conflicted viewers proves nothing: %s", what, r.Body)
		}
	case conflictedReviewer, conflictedOrg:
		if !mentions(r, m.q, m.qTitle) {
			m.t.Errorf("%s: the other proposal is missing: the answer is empty rather than filtered: %s", what, r.Body)
		}
	}
}

// TestReviewAPIRefusesBadInput sends every review route that takes a body what cannot be read, and
// text that cannot be stored: each gets a 4xx problem that says what to fix, never a 500.
func TestReviewAPIRefusesBadInput(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	m := newMatrix(t, ta)
	caller := func(path string) role {
		switch {
		case strings.Contains(path, "/manage/review"):
			return theOrganizer
		case strings.Contains(path, "/review/"):
			return assignedReviewer
		}
		return thePresenter
	}
	for _, rt := range reviewRoutes() {
		if rt.body == nil {
			continue
		}
		path := m.fill(rt.path, m.p)
		who := caller(rt.path)
		for _, bad := range []struct {
			body, contentType string
			status            int
		}{
			{`{"version":`, "application/json", http.StatusBadRequest},
			{`[1,2]`, "application/json", http.StatusBadRequest},
			{`{"no_such_field":1}`, "application/json", http.StatusBadRequest},
			{`{} {}`, "application/json", http.StatusBadRequest},
			{`{}`, "text/plain", http.StatusUnsupportedMediaType},
		} {
			r := send(t, ta, rt.method, path, strings.NewReader(bad.body), "Content-Type", bad.contentType, "Authorization", "Bearer "+m.tokens[who])
			wantProblem(t, fmt.Sprintf("%s %s with %q as %s", rt.method, rt.path, bad.body, bad.contentType), r.apiResponse, bad.status,
				map[int]string{http.StatusBadRequest: "malformed", http.StatusUnsupportedMediaType: "malformed"}[bad.status])
		}
	}

	mg, rv := m.mg, m.base+"/review"
	for _, bad := range []struct {
		method, path string
		who          role
		body, field  string
	}{
		{http.MethodPut, rv + "/profile", assignedReviewer, `{"version":0,"institutions":["North\u0000"]}`, "institutions"},
		{http.MethodPut, rv + "/profile", assignedReviewer, `{"version":0,"tracks":[1e30]}`, "tracks"},
		{http.MethodPut, rv + "/profile", assignedReviewer, `{"version":-1}`, "version"},
		{http.MethodPut, rv + "/bids", assignedReviewer, `{"bids":{"0":"eager"}}`, "bids.0"},
		{http.MethodPut, rv + "/bids", assignedReviewer, `{"bids":{"1":"eager\u0000"}}`, "bids.1"},
		{http.MethodPut, fmt.Sprintf("%s/proposals/%d/review", rv, m.p), assignedReviewer, `{"version":0,"to_presenters":"Good\u0000"}`, "to_presenters"},
		{http.MethodPut, fmt.Sprintf("%s/proposals/%d/review", rv, m.p), assignedReviewer, `{"version":0,"scores":{"clarity":4.5}}`, "scores.clarity"},
		{http.MethodPut, fmt.Sprintf("%s/proposals/%d/review", rv, m.p), assignedReviewer, `{"version":0,"recommendation":7,"confidence":-1}`, "confidence"},
		{http.MethodPost, fmt.Sprintf("%s/proposals/%d/discussion", rv, m.p), assignedReviewer, `{"body":"Why\u0000"}`, "body"},
		{http.MethodPost, fmt.Sprintf("%s/proposals/%d/conflict", rv, m.p), unassignedReviewer, `{"reason":"Mentor\u0000"}`, "reason"},
		{http.MethodPut, mg + "/settings", theOrganizer, `{"version":0,"blind":"double","required_categories":["community\u0000"]}`, "required_categories"},
		{http.MethodPut, mg + "/settings", theOrganizer, `{"version":0,"blind":"double","bidding_opens_at":"2027-03-01T09:00","bidding_closes_at":"2027-02-01T09:00"}`,
			"bidding_closes_at"},
		{http.MethodPut, fmt.Sprintf("%s/formats/%d", mg, m.f.formats["Poster abstract"].ID), theOrganizer,
			`{"version":0,"reviewers":1,"criteria":[{"id":"a","label":"Bad\u0000","weight":1}]}`, "criteria.0.label"},
		{http.MethodPut, fmt.Sprintf("%s/formats/%d", mg, m.f.formats["Poster abstract"].ID), theOrganizer,
			`{"version":0,"reviewers":1,"criteria":[{"id":"a","label":"A","weight":1,"anchors":["1","2","3","4","5","6"]}]}`, "criteria.0.anchors"},
		{http.MethodPut, fmt.Sprintf("%s/formats/%d", mg, m.f.formats["Poster abstract"].ID), theOrganizer,
			`{"version":0,"reviewers":1,"slots":-1,"criteria":[]}`, "slots"},
		{http.MethodPost, mg + "/invitations", theOrganizer, `{"invitees":[{"name":"Ada\u0000","email":"ada@example.org"}]}`, "invitees.0.name"},
		{http.MethodPost, mg + "/invitations", theOrganizer, `{"text":"Ada <ada\u0000@example.org>"}`, "text"},
		{http.MethodPost, mg + "/invitations", theOrganizer, `{}`, "invitees"},
		{http.MethodPut, fmt.Sprintf("%s/proposals/%d/conflicts/%d", mg, m.p, m.spare.UserID), theOrganizer, `{"reason":"x\u0000"}`, "reason"},
		{http.MethodPut, fmt.Sprintf("%s/proposals/%d/conflicts/%d", mg, m.p, m.principals[thePresenter].UserID), theOrganizer, `{}`, "user_id"},
		{http.MethodPut, fmt.Sprintf("%s/proposals/%d/decision", mg, m.p), theOrganizer, `{"decision":"accepted","note":"x\u0000"}`, "note"},
		{http.MethodPut, fmt.Sprintf("%s/proposals/%d/decision", mg, m.p), theOrganizer, `{"decision":"rejected","format_id":999999999}`, "format_id"},
		{http.MethodPut, mg + "/templates/accept", theOrganizer, `{"version":0,"subject":"Action required\u0000","body":"x"}`, "subject"},
		{http.MethodPost, mg + "/templates/accept/preview", theOrganizer, fmt.Sprintf(`{"subject":"Action required","body":"{{nope}}","proposal_id":%d}`, m.p), "body"},
		{http.MethodPost, mg + "/assignments", theOrganizer, `{"change":"move","proposal_id":1,"user_id":1}`, "change"},
		{http.MethodPost, mg + "/assignments", theOrganizer, fmt.Sprintf(`{"change":"swap","proposal_id":%d,"user_id":%d}`, m.r, m.spare.UserID), "replacement_id"},
		{http.MethodPost, mg + "/assignments", theOrganizer, fmt.Sprintf(`{"change":"add","proposal_id":%d,"user_id":%d}`, m.r, m.principals[thePresenter].UserID),
			"user_id"},
		{http.MethodPost, mg + "/reminders", theOrganizer, `{"user_id":-4}`, "user_id"},
		{http.MethodPost, mg + "/notices/send", theOrganizer, `{"ids":["all"]}`, "ids"},
		{http.MethodPost, fmt.Sprintf("%s/proposals/%d/participation", m.base, m.p), thePresenter, `{"confirm":null}`, "confirm"},
	} {
		what := fmt.Sprintf("%s %s with %s", bad.method, bad.path, bad.body)
		r := sendJSON(t, ta, bad.method, bad.path, m.tokens[bad.who], bad.body)
		wantProblem(t, what, r.apiResponse, http.StatusUnprocessableEntity, "invalid")
		if fieldDetail(r.apiResponse, bad.field) == "" {
			t.Errorf("%s: no error for %s: %v", what, bad.field, r.JSON)
		}
	}
	for _, q := range []string{"q=%00", "limit=501", "offset=-1", "track=first", "unbid=maybe"} {
		r := sendJSON(t, ta, http.MethodGet, rv+"/bids?"+q, m.tokens[assignedReviewer], "")
		wantProblem(t, "bids?"+q, r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	}
	for _, q := range []string{"format=poster", "track=-1", "sort=luck"} {
		for _, path := range []string{mg + "/ranking?", mg + "/ranking.csv?"} {
			wantProblem(t, path+q, sendJSON(t, ta, http.MethodGet, path+q, m.tokens[theOrganizer], "").apiResponse, http.StatusUnprocessableEntity, "invalid")
		}
	}
	for _, path := range []string{rv + "/proposals/first", mg + "/proposals/0", mg + "/plans/nope", fmt.Sprintf("%s/proposals/%d/conflicts/someone", mg, m.p),
		mg + "/templates/maybe"} {
		method := http.MethodGet
		if strings.HasSuffix(path, "someone") {
			method = http.MethodDelete
		}
		if strings.HasSuffix(path, "maybe") {
			method = http.MethodPut
		}
		who := theOrganizer
		if strings.Contains(path, "/review/proposals/first") {
			who = assignedReviewer
		}
		r := sendJSON(t, ta, method, path, m.tokens[who], `{"version":0,"subject":"x","body":"y"}`)
		wantProblem(t, method+" "+path, r.apiResponse, http.StatusNotFound, "not_found")
	}
}

// TestConflictedOrganizersMailLog: the conference's mail log is a side surface where a decision shows
// in a subject line. An organizer in conflict with a proposal does not see the mail about it; the
// other organizers do, and the conflicted one still sees the rest.
func TestConflictedOrganizersMailLog(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	m := newMatrix(t, ta)
	pEmail, qEmail := m.secrets[1], m.secrets[4]
	logOf := func(email string) string {
		t.Helper()
		pg := loggedIn(t, ta, email).get("/c/" + m.f.conf.Slug + "/manage/mail")
		if pg.Status != http.StatusOK {
			t.Fatalf("mail log as %s: %d %s", email, pg.Status, pg.Body)
		}
		return pg.Doc.Find("main table").Text()
	}
	all := logOf(m.f.organizer)
	if !strings.Contains(all, pEmail) || !strings.Contains(all, "Action required") || !strings.Contains(all, qEmail) {
		t.Fatalf("the organizer's mail log lacks the notices: %s", all)
	}
	conflicted := m.principals[conflictedOrg]
	u, err := ta.accounts.User(context.Background(), conflicted.UserID)
	if err != nil {
		t.Fatal(err)
	}
	theirs := logOf(u.Email)
	if strings.Contains(theirs, pEmail) || strings.Contains(theirs, "Action required") {
		t.Errorf("the conflicted organizer reads the mail about the proposal they conflict with: %s", theirs)
	}
	if !strings.Contains(theirs, qEmail) {
		t.Errorf("the conflicted organizer's mail log hides more than the conflicted proposal: %s", theirs)
	}
}

// TestSwapReviewerOnTheWeb: an organizer swaps a reviewer in one step from the proposal's review
// page; the form offers only who may leave and who may come, and a missing choice is a field error.
func TestSwapReviewerOnTheWeb(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	m := newMatrix(t, ta)
	out, in := m.principals[assignedReviewer].UserID, m.spare.UserID
	m.change(assign.Add, m.r, out)
	b := loggedIn(t, ta, m.f.organizer)
	sheet := fmt.Sprintf("/c/%s/review/proposals/%d", m.f.conf.Slug, m.r)
	action := fmt.Sprintf("/c/%s/manage/review/proposals/%d/assignments", m.f.conf.Slug, m.r)
	pg := b.get(sheet)
	if pg.Doc.Find(fmt.Sprintf(`select#reviewer option[value="%d"]`, out)).Length() != 1 ||
		pg.Doc.Find(fmt.Sprintf(`select#replacement option[value="%d"]`, in)).Length() != 1 ||
		pg.Doc.Find(fmt.Sprintf(`select#replacement option[value="%d"]`, out)).Length() != 0 {
		t.Fatalf("the swap form offers the wrong people: %s", pg.Doc.Find("form.swap-form").Text())
	}
	pg = b.post(sheet, action, url.Values{"kind": {"swap"}, "reviewer": {fmt.Sprint(out)}})
	if pg.Status != http.StatusUnprocessableEntity || pg.Doc.Find(`.error-summary a[href="#replacement"]`).Length() != 1 {
		t.Fatalf("a swap without a replacement: %d %s", pg.Status, pg.Doc.Find(".error-summary").Text())
	}
	pg = b.post(sheet, action, url.Values{"kind": {"swap"}, "reviewer": {fmt.Sprint(out)}, "replacement": {fmt.Sprint(in)}})
	if pg.Status != http.StatusSeeOther {
		t.Fatalf("the swap: %d %s", pg.Status, pg.Doc.Find(".error-summary").Text())
	}
	var who []int64
	rows, err := ta.db.SQL.Query(`SELECT user_id FROM review_assignments WHERE proposal_id = $1 ORDER BY user_id`, m.r)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		who = append(who, id)
	}
	if len(who) != 1 || who[0] != in {
		t.Errorf("after the swap the proposal's reviewers are %v, want [%d]", who, in)
	}
}

// TestLoweredMaximumIsExplained: a reviewer who lowers their maximum below what they already hold is
// told that the assignments stay theirs, instead of a bare "saved".
func TestLoweredMaximumIsExplained(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	m := newMatrix(t, ta)
	who := m.principals[assignedReviewer]
	m.change(assign.Add, m.r, who.UserID)
	u, err := ta.accounts.User(context.Background(), who.UserID)
	if err != nil {
		t.Fatal(err)
	}
	b := loggedIn(t, ta, u.Email)
	form := "/c/" + m.f.conf.Slug + "/review/profile"
	version, _ := b.get(form).Doc.Find(`input[name="version"]`).Attr("value")
	pg := b.post(form, form, url.Values{"version": {version}, "max_reviews": {"1"}, "category": {"faculty"}})
	if pg.Status != http.StatusSeeOther {
		t.Fatalf("saving the profile: %d %s", pg.Status, pg.Doc.Find(".error-summary").Text())
	}
	if got := b.get("/c/" + m.f.conf.Slug + "/review").Doc.Find(".flash").Text(); !strings.Contains(got, "You already hold 2 assignments, more than your new maximum of 1") {
		t.Errorf("the flash after lowering the maximum: %q", got)
	}
}

// TestPresentersSeeTheirOutcomeAtAGlance: once the notices are sent, the presenters' list of
// proposals says the decision, and what is asked of them, instead of "Submitted".
func TestPresentersSeeTheirOutcomeAtAGlance(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	m := newMatrix(t, ta)
	p := loggedIn(t, ta, m.secrets[1]).get("/c/" + m.f.conf.Slug + "/proposals")
	if got := p.Doc.Find("main table tbody").Text(); !strings.Contains(got, "Accepted: action required, confirm your participation") {
		t.Errorf("the accepted presenter's list: %q", got)
	}
	q := loggedIn(t, ta, m.secrets[4]).get("/c/" + m.f.conf.Slug + "/proposals")
	got := q.Doc.Find("main table tbody").Text()
	if !strings.Contains(got, "On the waiting list") || !strings.Contains(got, "Submitted") {
		t.Errorf("the waitlisted presenter's list (one decided, one not): %q", got)
	}
}
