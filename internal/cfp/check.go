package cfp

import (
	"context"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/question"
)

// The checks below say what a change would refuse, saving nothing: for a form whose own checks
// refused some of its fields, so that it can say at once what else is wrong rather than after
// those are corrected. Each returns apperr Invalid with every field error the change would give
// (not the conflicts of a save: a name taken, a change made meanwhile), and the policy's errors.

// CheckCall checks the call that change makes of the call as stored now (the zero Call when there
// is none), as SaveCallFrom would.
func (s *Service) CheckCall(ctx context.Context, p *access.Principal, conf conference.Conference, change func(Call) CallInput) error {
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return err
	}
	old, err := s.store.Call(ctx, conf.ID)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return err
	}
	_, err = checkCall(change(old), conf.Location())
	return err
}

// CheckTrack checks a track as CreateTrack and UpdateTrack would.
func (s *Service) CheckTrack(ctx context.Context, p *access.Principal, conf conference.Conference, in TrackInput) error {
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return err
	}
	_, err := checkTrack(in)
	return err
}

// CheckFormat checks the format that change makes of the format id as stored (of the zero Format,
// for a new one: id 0), as CreateFormat and UpdateFormatFrom would. apperr NotFound when there is
// no such format.
func (s *Service) CheckFormat(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, change func(Format) FormatInput) error {
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return err
	}
	var old Format
	if id != 0 {
		var err error
		if old, err = s.storedFormat(ctx, conf, id); err != nil {
			return err
		}
	}
	in := change(old)
	if id == 0 && in.Fields == nil {
		in.Fields = []question.Question{}
	}
	_, err := s.checkFormatChange(ctx, old, in)
	return err
}

// CheckFields checks the fields that edit makes of the format's fields as stored, as EditFields
// would. apperr NotFound when there is no such format, and edit's errors.
func (s *Service) CheckFields(ctx context.Context, p *access.Principal, conf conference.Conference, id int64,
	edit func([]question.Question) ([]question.Question, error)) error {
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return err
	}
	f, err := s.storedFormat(ctx, conf, id)
	if err != nil {
		return err
	}
	fields, err := edit(append([]question.Question(nil), f.Fields...))
	if err != nil {
		return err
	}
	_, err = s.checkFieldsChange(ctx, f, fields)
	return err
}

// CheckGrantExtension checks a grant as GrantExtension would, an address no account uses included.
func (s *Service) CheckGrantExtension(ctx context.Context, p *access.Principal, conf conference.Conference, email, until, reason string) error {
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return err
	}
	_, _, _, err := s.checkGrant(ctx, conf, email, until, reason, true)
	return err
}

// CheckNewAccessLink checks a link as CreateAccessLink would.
func (s *Service) CheckNewAccessLink(ctx context.Context, p *access.Principal, conf conference.Conference, in AccessLinkInput) error {
	if err := access.Check(p, access.ManageCall, conf.ID); err != nil {
		return err
	}
	_, _, _, err := s.checkLink(ctx, conf, in)
	return err
}
