package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/question"
	"github.com/challenging-norms/conference/internal/submission"
)

// TestBrowserReviewPaths follows peer review in Chromium: the organizer sets review up and invites a
// reviewer; the reviewer accepts, fills a profile, bids, is assigned, reviews and discusses; the
// organizer ranks, decides and sends the notices; the presenter confirms. The accessibility audit
// runs on every page on the way.
func TestBrowserReviewPaths(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	ctx := context.Background()
	c := startChromium(t, ta.URL)
	c.axe = axeSource(t)
	base := "/c/" + f.conf.Slug
	loc := f.conf.Location()

	// Two submitted posters by a presenter from another institution.
	author, authorEmail := presenter(t, ta, "Imani Okoro")
	_ = author
	pa := submitPosterAs(t, ta, f, authorEmail, "Grading without bias")
	submitPosterAs(t, ta, f, authorEmail, "Community advisory boards")

	// The organizer sets review up.
	c.logIn(f.organizer, strongPassword)
	c.open(base + "/manage/review")
	c.audit("review settings")
	c.do(chromedp.SetValue(chromedp.ID("bidding_opens_at"), time.Now().Add(-time.Hour).In(loc).Format(cfp.LocalLayout)),
		chromedp.SetValue(chromedp.ID("review_deadline"), time.Now().Add(30*24*time.Hour).In(loc).Format(cfp.LocalLayout)),
		chromedp.SetValue(chromedp.ID("confirm_by"), time.Now().Add(40*24*time.Hour).In(loc).Format(cfp.LocalLayout)))
	c.follow(chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	c.wantText(".flash", "The review settings are saved")
	c.wantText("main .panel.warning", "Bidding opens before the call closes")
	c.open(base + "/manage/review/rubrics")
	c.audit("rubrics")
	c.follow(chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href$="/rubrics/%d"]`, f.formats["Poster abstract"].ID))))
	c.audit("a format's rubric")
	c.do(chromedp.SetValue(chromedp.ID("slots"), "1"))
	c.follow(chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	c.wantText(".flash", "The rubric of Poster abstract is saved")

	reviewerEmail := uniqueEmail("rita.reviewer")
	c.open(base + "/manage/reviewers")
	c.do(chromedp.SendKeys(chromedp.ID("invitees"), "Rita Reviewer <"+reviewerEmail+">"))
	c.follow(chromedp.Click(chromedp.CSS(`form[action$="/manage/reviewers"] button`)))
	c.wantText(".flash", "1 invitation sent")
	c.audit("reviewers")
	c.logOut()

	// The reviewer accepts, fills a profile and bids.
	link := strings.TrimPrefix(linkIn(t, ta.waitMail(reviewerEmail, "Will you review"), "/review-invitations/"), ta.URL)
	createUser(t, ta, "Rita Reviewer", reviewerEmail, false)
	c.logIn(reviewerEmail, testPassword)
	c.open(link)
	c.audit("invitation to review")
	c.follow(chromedp.Click(chromedp.CSS(`button[name=answer][value=accept]`)))
	c.wantPath(base + "/review/profile")
	c.audit("reviewer profile")
	c.do(chromedp.Click(chromedp.CSS(`input[name=category][value=community]`)), chromedp.Clear(chromedp.ID("max_reviews")),
		chromedp.SendKeys(chromedp.ID("max_reviews"), "10"))
	c.follow(chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	c.wantText(".flash", "Your reviewer profile is saved")
	c.audit("review home before assignments")
	c.open(base + "/review/calibration")
	c.audit("calibration, before any sample is scored")
	c.open(base + "/review/bids")
	c.wantText("main", "2 proposals")
	if strings.Contains(get(c, chromedp.Evaluate[string](`document.querySelector("main").innerText`)), "Imani") {
		t.Error("the bidding page names the presenter")
	}
	c.audit("bids")
	c.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name="bid.%d"][value=eager]`, pa.ID))))
	c.follow(chromedp.Click(chromedp.CSS(`main form[method=post] button[type=submit]`)))
	c.wantText(".flash", "Your bids are saved")
	c.logOut()

	// The organizer plans and applies a round.
	c.logIn(f.organizer, strongPassword)
	c.open(base + "/manage/assignments")
	c.audit("assignments")
	c.follow(chromedp.Click(chromedp.CSS(`form[action$="/assignments/plans"] button`)))
	c.wantText("h1", "Assignment plan")
	c.wantText(".facts", "Yes: its objective")
	c.audit("assignment plan")
	c.follow(chromedp.Click(chromedp.CSS(`form[action$="/commit"] button`)))
	if got := c.asked(); !strings.Contains(got, "Apply this plan?") {
		t.Errorf("applying a plan asks %q", got)
	}
	c.wantText(".flash", "2 assignments made")
	c.logOut()

	// The reviewer reviews, then discusses.
	ta.waitMail(reviewerEmail, "proposals to review")
	c.logIn(reviewerEmail, testPassword)
	c.open(base + "/review")
	c.audit("review home with assignments")
	c.follow(chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href$="/review/proposals/%d"]`, pa.ID))))
	if strings.Contains(get(c, chromedp.Evaluate[string](`document.querySelector("main").innerText`)), "Imani") {
		t.Error("the review page names the presenter in double-blind review")
	}
	c.audit("review sheet")
	c.follow(chromedp.Click(chromedp.CSS(`button[name=action][value=submit]`)))
	c.wantText(".error-summary", "Score “Clarity” from 1 to 5.")
	c.audit("review sheet with errors")
	for _, crit := range []string{"relevance", "clarity", "feasibility", "originality"} {
		c.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name="scores.%s"][value="4"]`, crit))))
	}
	c.do(chromedp.Click(chromedp.CSS(`input[name=recommendation][value="4"]`)), chromedp.Click(chromedp.CSS(`input[name=confidence][value="2"]`)),
		chromedp.SendKeys(chromedp.ID("to_presenters"), "A clear, useful audit. Say more about the learners' views."))
	c.follow(chromedp.Click(chromedp.CSS(`button[name=action][value=submit]`)))
	c.wantText(".flash", "Your review is submitted")
	c.do(chromedp.SendKeys(chromedp.ID("body"), "I would accept this one."))
	c.follow(chromedp.Click(chromedp.CSS(`form[action$="/discussion"] button`)))
	c.wantText(".discussion", "I would accept this one.")
	c.audit("review sheet after submitting, with the discussion")
	c.logOut()

	// The organizer ranks, decides and sends the notices.
	c.logIn(f.organizer, strongPassword)
	c.open(base + "/manage/ranking")
	c.wantText("tbody", "Grading without bias")
	c.audit("ranking")
	c.follow(chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href$="/review/proposals/%d"]`, pa.ID))))
	c.audit("review sheet for organizers")
	c.do(chromedp.Click(chromedp.CSS(`input[name=decision][value=accepted]`)))
	c.follow(chromedp.Click(chromedp.CSS(`form[action$="/decision"] button`)))
	c.wantText(".flash", "The decision is recorded")
	c.follow(chromedp.Click(chromedp.CSS(`form[action$="/release"] button`)))
	c.wantText(".flash", "released")
	c.open(base + "/manage/decisions/templates/accept")
	c.follow(chromedp.Click(chromedp.CSS(`button[name=action][value=preview]`)))
	c.wantText("#preview-title", "Action required")
	c.audit("notice template with a preview")
	c.open(base + "/manage/decisions")
	c.follow(chromedp.Click(chromedp.CSS(`form[action$="/decisions/notices"] button`)))
	c.wantText(".flash", "1 notice written")
	c.audit("decisions with a notice to send")
	c.follow(chromedp.Click(chromedp.CSS(`form[action$="/notices/send"] button`)))
	c.wantText(".flash", "1 notice queued")
	c.logOut()

	// The presenter reads the decision and the comments, and confirms.
	ta.waitMail(authorEmail, "Action required")
	c.logIn(authorEmail, strongPassword)
	c.open(fmt.Sprintf("%s/proposals/%d", base, pa.ID))
	c.wantText("#decision-title", "Accepted")
	c.wantText("main", "Say more about the learners' views.")
	c.audit("an accepted proposal, action required")
	c.follow(chromedp.Click(chromedp.CSS(`button[name=answer][value=confirm]`)))
	c.wantText(".flash", "your participation is confirmed")
	got, err := ta.subs.Get(ctx, organizerOf(t, ta, f), f.conf, pa.ID)
	if err != nil || !got.InProgram() {
		t.Errorf("the accepted, confirmed proposal is not in the program: %+v %v", got.Participation, err)
	}
}

// submitPosterAs submits a complete poster, through the service, by the presenter with the address.
func submitPosterAs(t *testing.T, ta *testApp, f callFixture, email, title string) submission.Proposal {
	t.Helper()
	ctx := context.Background()
	p := principalOf(t, ta, email)
	prop, _, err := ta.subs.Create(ctx, p, f.conf, submission.CreateInput{Content: posterOf(f, title, "An abstract of "+title+".")})
	if err != nil {
		t.Fatal(err)
	}
	if prop, _, err = ta.subs.Submit(ctx, p, f.conf, prop.ID, 0); err != nil {
		t.Fatal(err)
	}
	return prop
}

// posterOf is a complete poster of the call with the title and abstract, in its first track.
func posterOf(f callFixture, title, abstract string) submission.Content {
	track := f.tracks[0].ID
	return submission.Content{FormatID: f.formats["Poster abstract"].ID, TrackID: &track, Title: title, Abstract: abstract,
		Answers: question.Answers{"background": {"Why."}, "approach": {"How."}, "outcomes": {"What."}, "implications": {"So what."}, "stage": {"Completed"}}}
}

// principalOf returns the principal of the account with the address, with its roles.
func principalOf(t testing.TB, ta *testApp, email string) *access.Principal {
	t.Helper()
	_, p, err := ta.accounts.SessionUser(context.Background(), userID(t, ta, email))
	if err != nil {
		t.Fatal(err)
	}
	return p
}
