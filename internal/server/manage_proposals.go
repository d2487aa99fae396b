package server

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/unicode/norm"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/export"
	"github.com/challenging-norms/conference/internal/question"
	"github.com/challenging-norms/conference/internal/submission"
	"github.com/challenging-norms/conference/internal/textdiff"
)

// listQuery is the filter of the proposals list, from the query string.
type listQuery struct {
	Format string `query:"format" json:"format"`
	Track  string `query:"track" json:"track"`
	Status string `query:"status" json:"status"`
	Q      string `query:"q" json:"q"`
	// Presenter is part of a presenter's name or address.
	Presenter string `query:"presenter" json:"presenter"`
	Sort      string `query:"sort" json:"sort"`
	Page      string `query:"page" json:"page"`
	// Over ("format:{id}") keeps the submitted proposals that no longer meet the rules of the format.
	Over string `query:"over" json:"over"`
}

const manageListSize = 50

// maxListPage bounds a page number asked for, far above any list's length.
const maxListPage = 1_000_000

// filter turns the query into a filter; numbers that are not numbers are field errors, said with
// every other error of the filter.
func (q listQuery) filter() (submission.Filter, int, error) {
	f := submission.Filter{Status: submission.Status(q.Status), Query: q.Q, Presenter: strings.TrimSpace(q.Presenter), Sort: q.Sort, Limit: manageListSize}
	var fe apperr.Fields
	num := func(field, s string) int64 {
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			fe.Add(field, "Choose from the list.")
		}
		return n
	}
	f.FormatID, f.TrackID = num("format", q.Format), num("track", q.Track)
	// The page is the list's own link, not an input: one that is not a page number is the first,
	// one past the end is the last (the list sends there).
	page, err := strconv.Atoi(q.Page)
	if err != nil || page < 1 {
		page = 1
	}
	page = min(page, maxListPage)
	f.Offset = (page - 1) * manageListSize
	checkTextFilters(&fe, f)
	if err := fe.Err(); err != nil {
		// With what the list would refuse in the rest of the filter.
		return f, page, joinFieldErrors(err, submission.CheckFilter(f))
	}
	return f, page, nil
}

// readListQuery reads the list's query string.
func readListQuery(c echo.Context) listQuery {
	return listQuery{Format: c.QueryParam("format"), Track: c.QueryParam("track"), Status: c.QueryParam("status"),
		Q: c.QueryParam("q"), Presenter: c.QueryParam("presenter"), Sort: c.QueryParam("sort"), Page: c.QueryParam("page"),
		Over: c.QueryParam("over")}
}

// overrunsPath is the organizers' list of the submitted proposals that no longer meet the rules of
// the format.
func overrunsPath(conf conference.Conference, f cfp.Format) string {
	return "/c/" + conf.Slug + "/manage/proposals?over=format:" + strconv.FormatInt(f.ID, 10)
}

// narrowToOverruns narrows the filter f to the submitted proposals that no longer meet the rules of
// the format that over names ("format:{id}"; "" narrows nothing), and returns the format. An over
// that names no format of the conference is apperr Invalid (field "over").
func (s *Server) narrowToOverruns(c echo.Context, conf conference.Conference, over string, f *submission.Filter) (cfp.Format, error) {
	if over == "" {
		return cfp.Format{}, nil
	}
	noFormat := apperr.Field("over", "The proposals that no longer meet a format's rules are asked for by a format this call does not have: "+
		"give format: and the id of one of its formats.")
	ctx := c.Request().Context()
	digits, ok := strings.CutPrefix(over, "format:")
	id, err := strconv.ParseInt(digits, 10, 64)
	if !ok || err != nil || id <= 0 {
		return cfp.Format{}, noFormat
	}
	format, err := s.opts.Calls.Format(ctx, conf, id)
	if apperr.Is(err, apperr.NotFound) {
		return format, noFormat
	}
	if err != nil {
		return format, err
	}
	overruns, err := s.opts.Calls.Overruns(ctx, principal(c), conf, format)
	if err != nil {
		return format, err
	}
	f.ByID, f.IDs = true, []int64{}
	for _, x := range cfp.OverrunProposals(overruns) {
		f.IDs = append(f.IDs, x.ID)
	}
	return format, nil
}

// checkTextFilters adds the errors of a filter's search and presenter to fe.
func checkTextFilters(fe *apperr.Fields, f submission.Filter) {
	if !storable(f.Query) {
		fe.Add("q", "The search contains a character that cannot be searched for.")
	}
	if !storable(f.Presenter) {
		fe.Add("presenter", "The name contains a character that cannot be searched for.")
	} else if utf8.RuneCountInString(f.Presenter) > 200 {
		fe.Add("presenter", "Use at most 200 characters.")
	}
}

// encode writes the query back, with page p.
func (q listQuery) encode(page int) string {
	v := url.Values{}
	for k, x := range map[string]string{"format": q.Format, "track": q.Track, "status": q.Status, "q": q.Q, "presenter": q.Presenter, "sort": q.Sort,
		"over": q.Over} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return v.Encode()
}

type manageProposalsPage struct {
	confBase
	Query     listQuery
	Page      submission.Page
	PageNo    int
	Formats   []option
	Tracks    []option
	Statuses  []option
	Sorts     []option
	Counts    map[submission.Status]int
	FormatOf  map[int64]string
	TrackOf   map[int64]string
	ExportURL string
	PrevURL   string
	NextURL   string
	Call      cfp.Call
	// Over is the format whose rules the proposals listed no longer meet (Query.Over), if any; AllURL
	// is then the list with the rest of the filter and without that.
	Over   cfp.Format
	AllURL string
}

// LaterDeadline is the proposal's deadline when an extension or an access link puts it after the
// call's close, or nil.
func (p *manageProposalsPage) LaterDeadline(prop submission.Proposal) *time.Time {
	if p.Call.ConferenceID == 0 {
		return nil
	}
	if d := submission.Deadline(p.Call, prop); d.After(p.Call.ClosesAt) {
		return &d
	}
	return nil
}

// CountOf is how many proposals have the status.
func (p *manageProposalsPage) CountOf(status string) int { return p.Counts[submission.Status(status)] }

// TrackName is the name of a proposal's track, or "".
func (p *manageProposalsPage) TrackName(id *int64) string {
	if id == nil {
		return ""
	}
	return p.TrackOf[*id]
}

// Showing says which proposals of how many the page shows.
func (p *manageProposalsPage) Showing() string {
	if p.Page.Total == 0 {
		return "No proposal matches."
	}
	if p.Page.Total == 1 {
		return "Showing 1 proposal."
	}
	from := (p.PageNo-1)*manageListSize + 1
	to := from + len(p.Page.Proposals) - 1
	return fmt.Sprintf("Showing %d to %d of %d proposals.", from, to, p.Page.Total)
}

// callNames maps a conference's format and track ids to their names.
func (s *Server) callNames(c echo.Context, conf conference.Conference) ([]cfp.Format, []cfp.Track, map[int64]string, map[int64]string, error) {
	ctx := c.Request().Context()
	formats, err := s.opts.Calls.Formats(ctx, conf)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	tracks, err := s.opts.Calls.Tracks(ctx, conf)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	fo, tr := map[int64]string{}, map[int64]string{}
	for _, f := range formats {
		fo[f.ID] = f.Name
	}
	for _, t := range tracks {
		tr[t.ID] = t.Name
	}
	return formats, tracks, fo, tr, nil
}

func (s *Server) manageProposals(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	q := readListQuery(c)
	p := manageProposalsPage{confBase: s.confBase(c, conf, "Proposals · "+conf.Name, "proposals"), Query: q,
		Statuses: []option{{"draft", "Drafts"}, {"submitted", "Submitted"}, {"withdrawn", "Withdrawn"}},
		Sorts:    []option{{"oldest", "Oldest first"}, {"title", "Title"}, {"relevance", "Best match (with a search)"}}}
	formats, tracks, fo, tr, err := s.callNames(c, conf)
	if err != nil {
		return err
	}
	p.FormatOf, p.TrackOf = fo, tr
	for _, f := range formats {
		p.Formats = append(p.Formats, option{Value: strconv.FormatInt(f.ID, 10), Label: f.Name})
	}
	p.Tracks = trackOptions(tracks)
	if p.Counts, err = s.opts.Submissions.Counts(ctx, principal(c), conf); err != nil {
		return err
	}
	// A conference without a call has no deadline to show (its proposals come from elsewhere, or none yet).
	if p.Call, err = s.opts.Calls.Call(ctx, conf); err != nil && !apperr.Is(err, apperr.NotFound) {
		return err
	}
	f, page, err := q.filter()
	p.PageNo = page
	base := "/c/" + conf.Slug + "/manage/proposals"
	if q.Over != "" {
		var oerr error
		p.Over, oerr = s.narrowToOverruns(c, conf, q.Over, &f)
		err = joinFieldErrors(oerr, err)
		all := q
		all.Over = ""
		p.AllURL = base + "?" + all.encode(1)
	}
	if err == nil {
		p.Page, err = s.opts.Submissions.List(ctx, principal(c), conf, f)
	}
	if err != nil {
		return s.renderForm(c, "manage_proposals", &p, err)
	}
	if last := max(1, (p.Page.Total+manageListSize-1)/manageListSize); page > last {
		return c.Redirect(http.StatusSeeOther, base+"?"+q.encode(last))
	}
	p.ExportURL = base + ".csv?" + q.encode(1)
	if page > 1 {
		p.PrevURL = base + "?" + q.encode(page-1)
	}
	if page*manageListSize < p.Page.Total {
		p.NextURL = base + "?" + q.encode(page+1)
	}
	return s.render(c, http.StatusOK, "manage_proposals", &p)
}

// maxExport bounds one export; a conference with more proposals exports them by filter.
const maxExport = 10000

// manageProposalsCSV exports the proposals that match the list's filter, every field of every
// format in its own column, for a spreadsheet.
func (s *Server) manageProposalsCSV(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var f submission.Filter
	if isAPI(c) {
		f, err = apiProposalFilter(c, false)
	} else {
		f, _, err = readListQuery(c).filter()
	}
	if _, oerr := s.narrowToOverruns(c, conf, c.QueryParam("over"), &f); oerr != nil {
		err = joinFieldErrors(oerr, err)
	}
	var page submission.Page
	if err == nil {
		f.Limit, f.Offset = maxExport, 0
		page, err = s.opts.Submissions.List(c.Request().Context(), principal(c), conf, f)
	}
	if ae, ok := apperr.As(err); ok && len(ae.Fields) > 0 && !isAPI(c) {
		// No form to highlight a field in: the page says what is wrong with the address.
		return apperr.New(apperr.Invalid, "This export's filter is not one the list of proposals offers: "+fieldMessages(ae)+
			" Choose the filter on the list, then download from there.")
	}
	if err != nil {
		return err
	}
	formats, _, fo, tr, err := s.callNames(c, conf)
	if err != nil {
		return err
	}
	header := []string{"ID", "Status", "Title", "Format", "Track", "Presenters", "Emails", "Roles", "Institutions", "Abstract", "Abstract words"}
	type column struct {
		format int64
		id     string
	}
	var cols []column
	for _, ft := range formats {
		for _, q := range ft.Fields {
			header = append(header, ft.Name+": "+q.Label)
			cols = append(cols, column{ft.ID, q.ID})
		}
		for _, q := range ft.Retired {
			header = append(header, ft.Name+": "+q.Label+" (no longer asked)")
			cols = append(cols, column{ft.ID, q.ID})
		}
	}
	// The moments are in the conference's time zone, named in their headers: a value with its offset
	// ("2026-11-24 20:25 -05:00") is text to Excel, which sorts and filters it as text, while
	// "2026-11-24 20:25" opens as a date. The zone's name, not one offset, since summer time
	// changes the offset within one export.
	zone := " (" + conf.Location().String() + ")"
	header = append(header, "Created"+zone, "Submitted"+zone, "Last saved"+zone, "Version", "Deadline"+zone)
	// The deadline that applies to each: the call's close, or an extension's, a link's, its own.
	call, err := s.opts.Calls.Call(c.Request().Context(), conf)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s-proposals-%s.csv"`, conf.Slug, time.Now().UTC().Format("20060102")))
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	w := export.NewCSV(c.Response(), header...)
	stamp := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(conf.Location()).Format("2006-01-02 15:04")
	}
	for _, prop := range page.Proposals {
		var names, emails, roles, insts []string
		for _, x := range prop.Presenting() {
			n := x.Name
			if x.Status == submission.Invited {
				n += " (invited)"
			}
			names, emails = append(names, n), append(emails, x.Email)
			roles, insts = append(roles, x.Profile.RoleText()), append(insts, x.Profile.Institution)
		}
		track := ""
		if prop.TrackID != nil {
			track = tr[*prop.TrackID]
		}
		row := []string{strconv.FormatInt(prop.ID, 10), prop.Status.Label(), prop.Title, fo[prop.FormatID], track,
			strings.Join(names, "; "), strings.Join(emails, "; "), strings.Join(roles, "; "), strings.Join(insts, "; "),
			prop.Abstract, strconv.Itoa(question.Words(prop.Abstract))}
		for _, col := range cols {
			if col.format == prop.FormatID {
				row = append(row, strings.Join(prop.Answers[col.id], "; "))
			} else {
				row = append(row, "")
			}
		}
		created := prop.CreatedAt
		deadline := ""
		if call.ConferenceID != 0 {
			d := submission.Deadline(call, prop)
			deadline = stamp(&d)
		}
		row = append(row, stamp(&created), stamp(prop.SubmittedAt), stamp(&prop.UpdatedAt), strconv.Itoa(prop.Version), deadline)
		w.Row(row...)
	}
	return w.Close()
}

type manageProposalPage struct {
	proposalPage
	Extend string
	// DeadlineFrom says where the deadline that applies comes from, when not from the call.
	DeadlineFrom string
}

// revisionView is a saved version with its fields, for the history.
type revisionView struct {
	submission.Revision
	Format string
	Track  string
	Fields []submission.FieldCopy
	// From is the version before, when the history has it; Changes are what differs from it, in the
	// form's order: empty for the first version and for a change of status alone.
	From    int
	Changes []textChange
}

// textChange is one part of a proposal as it was changed: the title, an answer.
type textChange struct {
	Label string
	Parts []textdiff.Part
}

// Changed names what differs from the version before.
func (v revisionView) Changed() []string {
	out := make([]string, len(v.Changes))
	for i, x := range v.Changes {
		out[i] = x.Label
	}
	return out
}

// history is the saved versions with the names of their formats and tracks and the labels of their
// answers, as the format asked them.
func (s *Server) history(c echo.Context, conf conference.Conference, revs []submission.Revision) ([]revisionView, error) {
	formats, _, fo, tr, err := s.callNames(c, conf)
	if err != nil {
		return nil, err
	}
	out := make([]revisionView, 0, len(revs))
	for _, r := range revs {
		v := revisionView{Revision: r, Format: fo[r.FormatID]}
		if r.TrackID != nil {
			v.Track = tr[*r.TrackID]
		}
		for _, f := range formats {
			if f.ID == r.FormatID {
				v.Fields = submission.CopyAll(f, r.Answers)
			}
		}
		out = append(out, v)
	}
	// The newest versions first, as listed: the time left for the search of each edit is shared
	// by the page, and once spent the older versions show each changed text replaced whole.
	deadline := time.Now().Add(historyLimit)
	for i := range out {
		j := slices.IndexFunc(out, func(x revisionView) bool { return x.Version == out[i].Version-1 })
		if j >= 0 {
			out[i].From, out[i].Changes = out[j].Version, changesSince(out[j], out[i], deadline)
		}
	}
	return out, nil
}

// historyLimit bounds the time a history spends finding what each version changed, word by word:
// a proposal saved many times with long texts rewritten would otherwise take seconds.
const historyLimit = 150 * time.Millisecond

// changesSince tells, word by word, what differs in version to from version from: the title,
// format, track, abstract, and each answer by its label. Texts that differ only in how a character
// is encoded (an accent typed apart or not) are the same text. The search ends by deadline.
func changesSince(from, to revisionView, deadline time.Time) []textChange {
	var out []textChange
	change := func(label, a, b string) {
		if a, b = norm.NFC.String(a), norm.NFC.String(b); a != b {
			out = append(out, textChange{Label: label, Parts: textdiff.WordsWithin(a, b, min(textdiff.Limit, time.Until(deadline)))})
		}
	}
	change("Title", from.Title, to.Title)
	if from.FormatID != to.FormatID {
		out = append(out, textChange{Label: "Format", Parts: []textdiff.Part{{Kind: textdiff.Removed, Text: from.Format}, {Kind: textdiff.Added, Text: to.Format}}})
	}
	if (from.TrackID == nil) != (to.TrackID == nil) || (from.TrackID != nil && *from.TrackID != *to.TrackID) {
		var parts []textdiff.Part
		if from.Track != "" {
			parts = append(parts, textdiff.Part{Kind: textdiff.Removed, Text: from.Track})
		}
		if to.Track != "" {
			parts = append(parts, textdiff.Part{Kind: textdiff.Added, Text: to.Track})
		}
		out = append(out, textChange{Label: "Track", Parts: parts})
	}
	change("Abstract", from.Abstract, to.Abstract)
	before := map[string]string{}
	for _, x := range from.Fields {
		before[x.Label] = x.Value
	}
	for _, x := range to.Fields {
		change(x.Label, before[x.Label], x.Value)
		delete(before, x.Label)
	}
	for _, x := range from.Fields {
		if v, ok := before[x.Label]; ok {
			change(x.Label, v, "") // answered before, not now
		}
	}
	return out
}

// manageProposal shows a proposal to organizers: everything, with its presenters' profiles and
// the text of every saved version.
func (s *Server) manageProposal(c echo.Context) error {
	pp, err := s.proposalPage(c)
	if err != nil {
		return err
	}
	p := manageProposalPage{proposalPage: pp}
	p.Section = "proposals"
	if d := p.Proposal.Deadline; d != nil {
		p.Extend = cfp.LocalInput(*d, p.Loc)
	}
	switch d := p.Deadline; {
	case p.Proposal.Deadline != nil && p.Proposal.Deadline.Equal(d):
		p.DeadlineFrom = "its own"
		if id := p.Proposal.AccessLinkID; id != nil {
			l, err := s.opts.Calls.AccessLink(c.Request().Context(), principal(c), p.Conference, *id)
			if err != nil && !apperr.Is(err, apperr.NotFound) {
				return err
			}
			if err == nil && l.ExpiresAt.Equal(d) {
				p.DeadlineFrom = "from the access link “" + l.Label + "”"
				if l.RevokedAt != nil {
					p.DeadlineFrom += ", since withdrawn"
				}
			}
		}
	case p.Proposal.Extension != nil && p.Proposal.Extension.Equal(d):
		p.DeadlineFrom = "its proposer's extension"
	}
	return s.render(c, http.StatusOK, "manage_proposal", &p)
}

type extendForm struct {
	Until string `form:"until" validate:"max=40"`
}

// manageProposalExtend gives one proposal its own later deadline.
func (s *Server) manageProposalExtend(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := proposalID(c)
	if err != nil {
		return err
	}
	var f extendForm
	ctx := c.Request().Context()
	var prop submission.Proposal
	told := 0
	if err = s.bindForm(c, &f); err != nil {
		// Shown on the proposal's page with what the service says of the deadline typed.
		err = alsoChecked(err, f, func(f extendForm) error { return s.opts.Submissions.CheckExtend(ctx, principal(c), conf, f.Until) })
	} else {
		prop, told, err = s.opts.Submissions.Extend(ctx, principal(c), conf, id, f.Until)
	}
	if err != nil {
		if ae, ok := apperr.As(err); ok && ae.Code == apperr.Invalid {
			pp, perr := s.proposalPage(c)
			if perr != nil {
				return perr
			}
			p := manageProposalPage{proposalPage: pp, Extend: f.Until}
			p.Section = "proposals"
			return s.renderForm(c, "manage_proposal", &p, err)
		}
		return err
	}
	call, err := s.opts.Calls.Call(c.Request().Context(), conf)
	if err != nil {
		return err
	}
	deadline := inzone(submission.Deadline(call, prop), conf.Location())
	msg := "The proposal can now be changed until " + deadline + "."
	if strings.TrimSpace(f.Until) == "" {
		msg = "The proposal's own deadline is removed: its deadline is now " + deadline + "."
	}
	switch {
	case told == 1:
		msg += " Its presenter is told by email."
	case told > 1:
		msg += fmt.Sprintf(" Its %d presenters are told by email.", told)
	}
	s.flash(c, msg)
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/c/%s/manage/proposals/%d", conf.Slug, id))
}
