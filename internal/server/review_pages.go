package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/review"
)

// The reviewers' pages: the invitation, their dashboard, profile, bids and calibration results.

type reviewInvitationPage struct {
	base
	Invitation  review.Invitation
	Token       string
	SingleBlind bool
}

func (s *Server) reviewInvitationShow(c echo.Context) error {
	inv, err := s.opts.Reviews.Invitation(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	p := reviewInvitationPage{base: s.base(c, "Invitation to review"), Invitation: inv, Token: c.Param("token")}
	st, err := s.opts.Reviews.Settings(c.Request().Context(), conference.Conference{ID: inv.ConferenceID})
	if err != nil {
		return err
	}
	p.SingleBlind = st.Blind == review.SingleBlind
	return s.render(c, http.StatusOK, "review_invitation", &p)
}

func (s *Server) reviewInvitationAnswer(c echo.Context) error {
	var f answerForm
	if err := s.bindForm(c, &f); err != nil {
		return err
	}
	if f.Answer != "accept" && f.Answer != "decline" {
		return apperr.New(apperr.Malformed, "Choose to accept or decline the invitation.")
	}
	inv, err := s.opts.Reviews.AnswerInvitation(c.Request().Context(), principal(c), c.Param("token"), f.Answer == "accept")
	if err != nil {
		return err
	}
	if f.Answer == "decline" {
		s.flash(c, "You declined the invitation to review for "+inv.ConferenceName+". Thank you for letting us know.")
		return c.Redirect(http.StatusSeeOther, "/c/"+inv.ConferenceSlug)
	}
	s.flash(c, "Thank you: you now review for "+inv.ConferenceName+". Please tell us your tracks, how many reviews you can take and your conflicts of interest.")
	return c.Redirect(http.StatusSeeOther, "/c/"+inv.ConferenceSlug+"/review/profile")
}

// accountInvitationAnswer answers, from the account page, an invitation sent to the account's address.
func (s *Server) accountInvitationAnswer(c echo.Context) error {
	var f answerForm
	if err := s.bindForm(c, &f); err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return apperr.New(apperr.NotFound, "There is no such invitation waiting for your answer.")
	}
	if f.Answer != "accept" && f.Answer != "decline" {
		return apperr.New(apperr.Malformed, "Choose to accept or decline the invitation.")
	}
	inv, err := s.opts.Reviews.AnswerOpenInvitation(c.Request().Context(), principal(c), id, f.Answer == "accept")
	if err != nil {
		return err
	}
	if f.Answer == "decline" {
		s.flash(c, "You declined the invitation to review for "+inv.ConferenceName+". Thank you for letting us know.")
		return c.Redirect(http.StatusSeeOther, "/account")
	}
	s.flash(c, "Thank you: you now review for "+inv.ConferenceName+". Please tell us your tracks, how many reviews you can take and your conflicts of interest.")
	return c.Redirect(http.StatusSeeOther, "/c/"+inv.ConferenceSlug+"/review/profile")
}

type reviewHomePage struct {
	confBase
	Tasks       review.Tasks
	BiddingOpen bool
	BiddingNote string
	HasProfile  bool
	Deadline    string
}

// reviewHome is a reviewer's dashboard: what to review, calibration first, and what to do next.
func (s *Server) reviewHome(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := reviewHomePage{confBase: s.confBase(c, conf, "Review for "+conf.Name, "")}
	if p.Tasks, err = s.opts.Reviews.Tasks(ctx, principal(c), conf); err != nil {
		return err
	}
	if p.BiddingOpen, p.BiddingNote, err = s.opts.Reviews.BiddingOpen(ctx, conf); err != nil {
		return err
	}
	prof, err := s.opts.Reviews.Profile(ctx, principal(c), conf)
	if err != nil {
		return err
	}
	p.HasProfile = prof.Version > 0
	if d := p.Tasks.Settings.ReviewDeadline; d != nil {
		p.Deadline = inzone(*d, conf.Location())
	}
	return s.render(c, http.StatusOK, "review_home", &p)
}

type reviewerProfileForm struct {
	Version              string   `form:"version" validate:"max=10"`
	Tracks               []string `form:"tracks" validate:"max=100,dive,max=20"`
	Formats              []string `form:"formats" validate:"max=100,dive,max=20"`
	MaxReviews           string   `form:"max_reviews" validate:"max=10"`
	Category             string   `form:"category" validate:"max=40"`
	Institutions         string   `form:"institutions" validate:"max=20000"`
	ConflictInstitutions string   `form:"conflict_institutions" validate:"max=20000"`
	ConflictPeople       string   `form:"conflict_people" validate:"max=40000"`
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func ids(list []string) ([]int64, bool) {
	var out []int64
	for _, v := range list {
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

func strs(list []int64) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = strconv.FormatInt(v, 10)
	}
	return out
}

type reviewProfilePage struct {
	confBase
	Form       reviewerProfileForm
	Tracks     []option
	Formats    []option
	Categories []option
}

func (s *Server) reviewProfilePage(c echo.Context) (reviewProfilePage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return reviewProfilePage{}, err
	}
	ctx := c.Request().Context()
	p := reviewProfilePage{confBase: s.confBase(c, conf, "Your reviewer profile · "+conf.Name, "")}
	pr, err := s.opts.Reviews.Profile(ctx, principal(c), conf)
	if err != nil {
		return p, err
	}
	p.Form = reviewerProfileForm{Version: strconv.Itoa(pr.Version), Tracks: strs(pr.Tracks), Formats: strs(pr.Formats),
		MaxReviews: strconv.Itoa(pr.MaxReviews), Category: pr.Category, Institutions: strings.Join(pr.Institutions, "\n"),
		ConflictInstitutions: strings.Join(pr.ConflictInstitutions, "\n"), ConflictPeople: strings.Join(pr.ConflictPeople, "\n")}
	tracks, err := s.opts.Calls.Tracks(ctx, conf)
	if err != nil {
		return p, err
	}
	p.Tracks = trackOptions(tracks)
	formats, err := s.opts.Calls.Formats(ctx, conf)
	if err != nil {
		return p, err
	}
	for _, f := range formats {
		p.Formats = append(p.Formats, option{Value: strconv.FormatInt(f.ID, 10), Label: f.Name})
	}
	for _, x := range review.Categories {
		p.Categories = append(p.Categories, option{Value: string(x.Value), Label: x.Label})
	}
	return p, nil
}

func (s *Server) reviewProfile(c echo.Context) error {
	p, err := s.reviewProfilePage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "review_profile", &p)
}

func (s *Server) reviewProfileSave(c echo.Context) error {
	p, err := s.reviewProfilePage(c)
	if err != nil {
		return err
	}
	var f reviewerProfileForm
	err = s.bindForm(c, &f)
	p.Form = f
	if err == nil {
		tracks, ok1 := ids(f.Tracks)
		formats, ok2 := ids(f.Formats)
		if !ok1 || !ok2 {
			err = apperr.Field("tracks", "Choose tracks and formats from the lists.")
		} else {
			_, err = s.opts.Reviews.SaveProfile(c.Request().Context(), principal(c), p.Conference, review.Profile{
				Tracks: tracks, Formats: formats, MaxReviews: atoi(f.MaxReviews), Category: f.Category, Version: atoi(f.Version),
				Institutions: lines(f.Institutions), ConflictInstitutions: lines(f.ConflictInstitutions), ConflictPeople: lines(f.ConflictPeople)})
		}
	}
	if err != nil {
		return s.renderForm(c, "review_profile", &p, err)
	}
	msg := "Your reviewer profile is saved."
	if limit := atoi(f.MaxReviews); limit > 0 {
		// Lowering the maximum does not take assignments away: say so rather than let it look done.
		if tasks, err := s.opts.Reviews.Tasks(c.Request().Context(), principal(c), p.Conference); err == nil && len(tasks.Assigned) > limit {
			msg += fmt.Sprintf(" You already hold %d assignments, more than your new maximum of %d: they stay yours, and no more are added. Write to the organizers if some should go to someone else.",
				len(tasks.Assigned), limit)
		}
	}
	s.flash(c, msg)
	return c.Redirect(http.StatusSeeOther, "/c/"+p.Conference.Slug+"/review")
}

type reviewCalibrationPage struct {
	confBase
	Result review.CalibrationResult
}

func (s *Server) reviewCalibration(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	p := reviewCalibrationPage{confBase: s.confBase(c, conf, "Calibration · "+conf.Name, "")}
	if p.Result, err = s.opts.Reviews.Calibration(c.Request().Context(), principal(c), conf); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "review_calibration", &p)
}

const bidPageSize = 25

type bidsPage struct {
	confBase
	Items    []review.BidItem
	Total    int
	PageNo   int
	Open     bool
	Note     string
	Query    string
	Track    string
	Unbid    bool
	Tracks   []option
	Levels   []option
	FirstURL string // the first page with the same filters
	Formats  map[int64]string
	TrackOf  map[int64]string
	PrevURL  string
	NextURL  string
	Returned string // the query string, to come back to the same page after saving
}

// LevelOf is the bid as the radio group shows it: "" for none.
func (p *bidsPage) LevelOf(it review.BidItem) string { return string(it.Level) }

func (s *Server) bidsPage(c echo.Context) (bidsPage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return bidsPage{}, err
	}
	ctx := c.Request().Context()
	p := bidsPage{confBase: s.confBase(c, conf, "Bids · "+conf.Name, ""), Query: c.QueryParam("q"), Track: c.QueryParam("track"),
		Unbid: c.QueryParam("unbid") == "yes", Formats: map[int64]string{}, TrackOf: map[int64]string{}}
	if p.Open, p.Note, err = s.opts.Reviews.BiddingOpen(ctx, conf); err != nil {
		return p, err
	}
	p.Levels = []option{{"", "No bid"}}
	for _, l := range review.BidLevels {
		label := l.Label
		if l.Value == review.ConflictBid {
			label += " (it leaves your list for good)"
		}
		p.Levels = append(p.Levels, option{Value: string(l.Value), Label: label})
	}
	tracks, err := s.opts.Calls.Tracks(ctx, conf)
	if err != nil {
		return p, err
	}
	p.Tracks = trackOptions(tracks)
	for _, t := range tracks {
		p.TrackOf[t.ID] = t.Name
	}
	formats, err := s.opts.Calls.Formats(ctx, conf)
	if err != nil {
		return p, err
	}
	for _, f := range formats {
		p.Formats[f.ID] = f.Name
	}
	if !p.Open {
		return p, nil
	}
	p.PageNo = pageParam(c)
	track, _ := strconv.ParseInt(p.Track, 10, 64)
	p.Items, p.Total, err = s.opts.Reviews.BiddingList(ctx, principal(c), conf, review.BidFilter{TrackID: track, Query: p.Query, Unbid: p.Unbid,
		Limit: bidPageSize, Offset: (p.PageNo - 1) * bidPageSize})
	if err != nil {
		return p, err
	}
	q := url.Values{}
	if p.Query != "" {
		q.Set("q", p.Query)
	}
	if p.Track != "" {
		q.Set("track", p.Track)
	}
	if p.Unbid {
		q.Set("unbid", "yes")
	}
	at := func(n int) string {
		v := url.Values{}
		for k, x := range q {
			v[k] = x
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		return "/c/" + conf.Slug + "/review/bids?" + v.Encode()
	}
	p.Returned = strings.TrimPrefix(at(p.PageNo), "/c/"+conf.Slug+"/review/bids?")
	p.FirstURL = at(1)
	if p.PageNo > 1 {
		p.PrevURL = at(p.PageNo - 1)
	}
	if p.PageNo*bidPageSize < p.Total {
		p.NextURL = at(p.PageNo + 1)
	}
	return p, nil
}

func (s *Server) reviewBids(c echo.Context) error {
	p, err := s.bidsPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "review_bids", &p)
}

// reviewBidsSave stores the bids of the page: one radio group "bid.<id>" per proposal.
func (s *Server) reviewBidsSave(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return apperr.New(apperr.Malformed, "The form could not be read. Reload the page and try again.")
	}
	bids := map[int64]review.BidLevel{}
	for k, v := range form {
		id, ok := strings.CutPrefix(k, "bid.")
		if !ok || len(v) == 0 {
			continue
		}
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return apperr.New(apperr.NotFound, "There is no such proposal to review.")
		}
		bids[n] = review.BidLevel(v[0])
	}
	if err := s.opts.Reviews.SaveBids(c.Request().Context(), principal(c), conf, bids); err != nil {
		if ae, ok := apperr.As(err); ok && ae.Code == apperr.Invalid {
			p, perr := s.bidsPage(c)
			if perr != nil {
				return perr
			}
			return s.renderForm(c, "review_bids", &p, err)
		}
		return err
	}
	s.flash(c, "Your bids are saved.")
	back := "/c/" + conf.Slug + "/review/bids"
	if r := form.Get("returned"); r != "" && storable(r) && !strings.ContainsAny(r, "\r\n") {
		if v, err := url.ParseQuery(r); err == nil {
			back += "?" + v.Encode()
		}
	}
	return c.Redirect(http.StatusSeeOther, back)
}
