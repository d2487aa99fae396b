package schedule

import (
	"context"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
)

// The checks below say what a save would refuse, saving nothing: for a form whose own checks
// refused some of its fields, so that it can say at once what else is wrong rather than after
// those are corrected. Each returns apperr Invalid with every field error the save would give
// (not the conflicts of a save: a change made meanwhile), and the policy's errors.

// CheckRoom checks a room as SaveRoom would.
func (s *Service) CheckRoom(ctx context.Context, p *access.Principal, conf conference.Conference, in RoomInput) error {
	if err := access.Check(p, access.ManageSchedule, conf.ID); err != nil {
		return err
	}
	_, err := in.check()
	return err
}

// CheckSlot checks a session as CreateSlot (id 0) or UpdateSlot would, against the board as it is
// now. apperr NotFound when there is no session id.
func (s *Service) CheckSlot(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, in SlotInput) error {
	if err := access.Check(p, access.ManageSchedule, conf.ID); err != nil {
		return err
	}
	b, err := s.board(ctx, conf)
	if err != nil {
		return err
	}
	sl := Slot{ConferenceID: conf.ID}
	if id != 0 {
		var ok bool
		if sl, ok = b.Slot(id); !ok {
			return apperr.New(apperr.NotFound, "There is no such session.")
		}
	} else if in.Items == nil {
		in.Items = []int64{}
	}
	return s.check(ctx, b, &sl, in)
}
