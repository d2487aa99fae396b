package server

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/cfp"
)

type grantForm struct {
	Email  string `form:"email" validate:"max=254"`
	Until  string `form:"until" validate:"max=40"`
	Reason string `form:"reason" validate:"max=1000"`
}

type linkForm struct {
	Label     string `form:"label" validate:"max=400"`
	ExpiresAt string `form:"expires_at" validate:"max=40"`
	MaxUses   string `form:"max_uses"` // any text: the service says the range when it is not a number in it
	// FormatIDs are the formats ticked (read from the form's repeated format_ids).
	FormatIDs []string `form:"-"`
	// ClientKey is the form's key, one per form shown, that makes the link once however often the
	// form is sent: the answer to each shows the same link.
	ClientKey string `form:"client_key" validate:"max=100"`
}

// newLinkForm is the empty form that makes a link.
func newLinkForm() linkForm { return linkForm{MaxUses: "1", ClientKey: newClientKey()} }

// Ticks reports whether the form ticks the format.
func (f linkForm) Ticks(id int64) bool {
	return slices.Contains(f.FormatIDs, strconv.FormatInt(id, 10))
}

func (f linkForm) input() cfp.AccessLinkInput {
	in := cfp.AccessLinkInput{Label: f.Label, ExpiresAt: f.ExpiresAt, MaxUses: atoi(f.MaxUses), ClientKey: f.ClientKey}
	for _, x := range f.FormatIDs {
		id, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			id = -1 // not a format: the service says so
		}
		in.FormatIDs = append(in.FormatIDs, id)
	}
	return in
}

// manageExtensionsPage lists the extensions granted to people and the access links, with the forms
// that add them. A link just made is shown once, with its secret.
type manageExtensionsPage struct {
	confBase
	Call       cfp.Call
	Extensions []cfp.Extension
	Links      []cfp.AccessLink
	Formats    []cfp.Format
	Grant      grantForm
	Link       linkForm
	NewLink    *cfp.NewAccessLink
	Now        time.Time
}

func (s *Server) manageExtensionsPage(c echo.Context) (manageExtensionsPage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return manageExtensionsPage{}, err
	}
	ctx := c.Request().Context()
	p := manageExtensionsPage{confBase: s.confBase(c, conf, "Extensions and links · "+conf.Name, "extensions"), Link: newLinkForm(),
		Now: s.opts.Calls.Now()}
	if p.Call, err = s.opts.Calls.Call(ctx, conf); err != nil {
		return p, err
	}
	if p.Extensions, err = s.opts.Calls.Extensions(ctx, principal(c), conf); err != nil {
		return p, err
	}
	if p.Formats, err = s.opts.Calls.Formats(ctx, conf); err != nil {
		return p, err
	}
	p.Links, err = s.opts.Calls.AccessLinks(ctx, principal(c), conf)
	return p, err
}

// FormatNames names the formats a link starts proposals of, or "" for those that take proposals.
func (p *manageExtensionsPage) FormatNames(l cfp.AccessLink) string {
	if len(l.FormatIDs) == 0 {
		return ""
	}
	var names []string
	for _, f := range l.FormatsOf(p.Formats) {
		names = append(names, f.Name)
	}
	if len(names) == 0 {
		return "none left (its formats were deleted), so it starts no proposal"
	}
	return strings.Join(names, ", ")
}

func (s *Server) manageExtensions(c echo.Context) error {
	p, err := s.manageExtensionsPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "manage_extensions", &p)
}

func (s *Server) manageExtensionGrant(c echo.Context) error {
	p, err := s.manageExtensionsPage(c)
	if err != nil {
		return err
	}
	var f grantForm
	err = s.bindForm(c, &f)
	p.Grant = f
	ctx := c.Request().Context()
	var e cfp.Extension
	if err == nil {
		e, err = s.opts.Calls.GrantExtension(ctx, principal(c), p.Conference, f.Email, f.Until, f.Reason)
	} else {
		err = alsoChecked(err, f, func(f grantForm) error {
			return s.opts.Calls.CheckGrantExtension(ctx, principal(c), p.Conference, f.Email, f.Until, f.Reason)
		})
	}
	if err != nil {
		return s.renderForm(c, "manage_extensions", &p, err)
	}
	s.flash(c, e.UserName+" can now propose, and edit the proposals they make, until "+inzone(e.Until, p.Loc)+". They are told by email.")
	return c.Redirect(http.StatusSeeOther, "/c/"+p.Conference.Slug+"/manage/extensions")
}

func (s *Server) manageExtensionRevoke(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	e, err := s.opts.Calls.RevokeExtension(c.Request().Context(), principal(c), conf, id)
	switch {
	case errors.Is(err, cfp.ErrTakenBack):
		// A double click: the first took it back.
		s.flash(c, "That extension was already taken back.")
	case err != nil:
		return err
	default:
		s.flash(c, "The extension of "+e.UserName+" is taken back: the proposals they made have the call's deadline again, unless a proposal has a deadline of its own. They are told by email.")
	}
	return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/manage/extensions")
}

// manageLinkCreate makes an access link and shows its address, once: to the same form sent twice
// (a double click, whose first answer the browser drops) each answer shows the one link it made.
func (s *Server) manageLinkCreate(c echo.Context) error {
	p, err := s.manageExtensionsPage(c)
	if err != nil {
		return err
	}
	var f linkForm
	err = s.bindForm(c, &f)
	if values, ferr := c.FormParams(); ferr == nil {
		f.FormatIDs = values["format_ids"]
	}
	p.Link = f
	ctx := c.Request().Context()
	var l cfp.NewAccessLink
	if err == nil {
		l, err = s.opts.Calls.CreateAccessLink(ctx, principal(c), p.Conference, f.input())
	} else {
		err = alsoChecked(err, f, func(f linkForm) error {
			return s.opts.Calls.CheckNewAccessLink(ctx, principal(c), p.Conference, f.input())
		})
	}
	if errors.Is(err, cfp.ErrKeyUsed) {
		// Sent again, changed, from a form that made a link: sending it once more makes another.
		p.Link.ClientKey = newClientKey()
	}
	if err != nil {
		return s.renderForm(c, "manage_extensions", &p, err)
	}
	p.NewLink = &l
	// The list was read before the link was made, or, for the second of two, after.
	p.Links = append([]cfp.AccessLink{l.AccessLink}, slices.DeleteFunc(p.Links, func(x cfp.AccessLink) bool { return x.ID == l.ID })...)
	p.Link = newLinkForm()
	return s.render(c, http.StatusCreated, "manage_extensions", &p)
}

// manageLinkRevoke withdraws a link and, when asked (proposals=end), ends the time it gave the
// proposals started through it; for a link already withdrawn it may do that alone. A second
// withdrawal (a double click) says the link was already withdrawn.
func (s *Server) manageLinkRevoke(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	end := c.FormValue("proposals") == "end"
	ctx := c.Request().Context()
	w, err := s.opts.Calls.WithdrawAccessLink(ctx, principal(c), conf, id, end)
	if err != nil {
		return err
	}
	call, err := s.opts.Calls.Call(ctx, conf)
	if err != nil {
		return err
	}
	s.flash(c, withdrawalMessage(w, end, !s.opts.Calls.Now().Before(call.ClosesAt), conf.Location()))
	return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/manage/extensions")
}

// withdrawalMessage says what a withdrawal of a link did, and for the proposals started with it,
// what their deadline now is (closed: the call has closed) and that their presenters are told.
func withdrawalMessage(w cfp.Withdrawal, end, closed bool, loc *time.Location) string {
	msg := linkWithdrawn(w, end, closed, loc)
	switch {
	case w.Told == 0:
	case w.Given > 1:
		msg += " Their presenters are told by email."
	default:
		msg += " Its presenters are told by email."
	}
	return msg
}

// linkWithdrawn is withdrawalMessage without the email.
func linkWithdrawn(w cfp.Withdrawal, end, closed bool, loc *time.Location) string {
	l := w.Link
	var msg string
	switch {
	case l.RevokedAt == nil && end:
		msg = "The link “" + l.Label + "” no longer works, and the time it gave is ended: "
	case l.RevokedAt == nil:
		msg = "The link “" + l.Label + "” no longer works."
	case end:
		msg = "The time the link “" + l.Label + "” gave is ended: "
	default:
		return "The link “" + l.Label + "” was already withdrawn."
	}
	if !end {
		switch l.Holding {
		case 0:
			return msg
		case 1:
			return msg + " The proposal started with it keeps its deadline, " + inzone(l.ExpiresAt, loc) + "."
		default:
			return msg + fmt.Sprintf(" The %d proposals started with it keep its deadline, %s.", l.Holding, inzone(l.ExpiresAt, loc))
		}
	}
	switch {
	case w.Given == 0:
		return msg + "no proposal started with it needed it."
	case w.Given == 1 && closed:
		return msg + "the proposal started with it that needed it can no longer be changed, unless its proposer has an extension."
	case w.Given == 1:
		return msg + "the proposal started with it that needed it now has the call's deadline, or its proposer's extension."
	case closed:
		return msg + fmt.Sprintf("the %d proposals started with it that needed it can no longer be changed, unless their proposers have extensions.", w.Given)
	default:
		return msg + fmt.Sprintf("the %d proposals started with it that needed it now have the call's deadline, or their proposers' extensions.", w.Given)
	}
}
