package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/conference"
)

type homePage struct {
	base
	Conferences []conference.Conference
}

func (s *Server) home(c echo.Context) error {
	list, err := s.opts.Conferences.List(c.Request().Context())
	if err != nil {
		return err
	}
	p := homePage{base: s.base(c, s.opts.SiteName), Conferences: list}
	return s.render(c, http.StatusOK, "home", &p)
}
