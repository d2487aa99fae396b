package server

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo-contrib/echoprometheus"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/question"
)

// routes declares every route of the service in one place.
func (s *Server) routes() error {
	e := s.echo
	reg := s.opts.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	metrics, err := echoprometheus.MiddlewareConfig{
		Registerer:                reg,
		Subsystem:                 "http",
		DoNotUseRequestPathFor404: true,
		// The Host header is the client's to choose: as a label it would let anyone grow the metrics.
		LabelFuncs: map[string]echoprometheus.LabelValueFunc{"host": func(echo.Context, error) string { return "" }},
		Skipper:    func(c echo.Context) bool { return c.Path() == "/metrics" },
	}.ToMiddleware()
	if err != nil {
		return err
	}
	e.Use(
		middleware.RequestID(),
		s.requestLog,
		middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.ErrorContext(c.Request().Context(), "panic", "error", err, "stack", string(stack))
			return err
		}}),
		s.securityHeaders(),
		metrics,
		storablePath,
		s.bodyLimit(),
		s.session(),
		s.csrf(),
		s.webPrincipal,
	)

	// Operations.
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", echoprometheus.NewHandlerWithConfig(echoprometheus.HandlerConfig{Gatherer: reg}))
	e.GET("/static/*", s.assets.serve)
	e.GET("/favicon.ico", func(c echo.Context) error {
		return c.Redirect(http.StatusMovedPermanently, s.assets.byName["img/favicon.svg"])
	})

	// Public pages and accounts.
	e.GET("/", s.home)
	e.GET("/signup", s.signupForm)
	e.POST("/signup", s.signup)
	e.GET("/check-email", s.checkEmail)
	e.POST("/verify/resend", s.verifyResend)
	e.GET("/verify", s.verify)
	e.GET("/login", s.loginForm)
	e.POST("/login", s.login)
	e.POST("/logout", s.logout)
	e.GET("/password/forgot", s.passwordForgotForm)
	e.POST("/password/forgot", s.passwordForgot)
	e.GET("/password/reset", s.passwordResetForm)
	e.POST("/password/reset", s.passwordReset)
	// The link mailed to a new address works whether or not its reader is logged in: it shows the
	// change, and its button makes it.
	e.GET("/account/email/confirm", s.emailConfirmShow)
	e.POST("/account/email/confirm", s.emailConfirm)

	acct := e.Group("/account", requireUser)
	acct.GET("", s.accountShow)
	acct.GET("/profile", s.profileShow)
	acct.POST("/profile", s.profileUpdate)
	acct.GET("/email", s.emailShow)
	acct.POST("/email", s.emailChange)
	acct.POST("/email/resend", s.emailResend)
	acct.POST("/email/cancel", s.emailCancel)
	acct.GET("/tokens", s.tokensShow)
	acct.POST("/tokens", s.tokenCreate)
	acct.POST("/tokens/:id/revoke", s.tokenRevoke)
	acct.POST("/review-invitations/:id", s.accountInvitationAnswer)

	// Conferences.
	e.GET("/conferences", s.conferenceList)
	e.GET("/c/:slug", s.conferenceShow)
	e.GET("/c/:slug/guide", s.callGuide)
	e.GET("/c/:slug/faq", s.callFAQ)
	e.GET("/c/:slug/call/access/:token", s.callAccess)

	// Submitters' proposals. The services decide who may see each one.
	props := e.Group("/c/:slug/proposals", requireUser)
	props.GET("", s.myProposals)
	props.GET("/new", s.proposalNew)
	props.POST("", s.proposalCreate)
	props.GET("/:id", s.proposalShow)
	props.POST("/:id", s.proposalSave)
	props.GET("/:id/edit", s.proposalEdit)
	props.POST("/:id/submit", s.proposalSubmit)
	props.GET("/:id/withdraw", s.proposalWithdrawConfirm)
	props.POST("/:id/withdraw", s.proposalWithdraw)
	props.GET("/:id/delete", s.proposalDeleteConfirm)
	props.POST("/:id/delete", s.proposalDelete)
	props.POST("/:id/restore", s.proposalRestore)
	props.POST("/:id/presenters", s.presenterInvite)
	props.POST("/:id/presenters/:pid/invitation", s.presenterReinvite)
	props.GET("/:id/presenters/:pid/remove", s.presenterRemoveConfirm)
	props.POST("/:id/presenters/:pid/remove", s.presenterRemove)
	props.POST("/:id/participation", s.proposalParticipation)
	e.GET("/invitations/:token", s.invitationShow)
	e.POST("/invitations/:token", s.invitationAnswer)

	// Reviewers. The review service decides what each may see of each proposal.
	e.GET("/review-invitations/:token", s.reviewInvitationShow)
	e.POST("/review-invitations/:token", s.reviewInvitationAnswer)
	rv := e.Group("/c/:slug/review", requireUser)
	rv.GET("", s.reviewHome, s.conferenceAccess(access.Review))
	rv.GET("/profile", s.reviewProfile, s.conferenceAccess(access.Review))
	rv.POST("/profile", s.reviewProfileSave, s.conferenceAccess(access.Review))
	rv.GET("/bids", s.reviewBids, s.conferenceAccess(access.Review))
	rv.POST("/bids", s.reviewBidsSave, s.conferenceAccess(access.Review))
	rv.GET("/calibration", s.reviewCalibration, s.conferenceAccess(access.Review))
	rv.GET("/proposals/:id", s.reviewSheet)
	rv.POST("/proposals/:id", s.reviewSave)
	rv.POST("/proposals/:id/conflict", s.reviewConflict)
	rv.POST("/proposals/:id/discussion", s.reviewDiscuss)
	manage := e.Group("/c/:slug/manage", requireUser, s.conferenceAccess(access.ManageConference))
	manage.GET("", s.manageHome)
	manage.GET("/team", s.teamShow)
	manage.POST("/team", s.teamAdd)
	manage.POST("/team/remove", s.teamRemove)
	manage.GET("/mail", s.conferenceMailLog, s.conferenceAccess(access.ViewMailLog))
	call := s.conferenceAccess(access.ManageCall)
	manage.GET("/call", s.manageCall, call)
	manage.POST("/call", s.manageCallSave, call)
	manage.GET("/tracks", s.manageTracks, call)
	manage.POST("/tracks", s.manageTrackSave, call)
	manage.POST("/tracks/:id", s.manageTrackSave, call)
	manage.POST("/tracks/:id/move", s.manageTrackMove, call)
	manage.POST("/tracks/:id/delete", s.manageTrackDelete, call)
	manage.GET("/formats", s.manageFormats, call)
	manage.GET("/formats/new", s.manageFormat, call)
	manage.POST("/formats", s.manageFormatSave, call)
	manage.GET("/formats/:id", s.manageFormat, call)
	manage.POST("/formats/:id", s.manageFormatSave, call)
	manage.POST("/formats/:id/move", s.manageFormatMove, call)
	manage.POST("/formats/:id/delete", s.manageFormatDelete, call)
	manage.GET("/formats/:id/fields/new", s.manageField, call)
	manage.POST("/formats/:id/fields", s.manageFieldSave, call)
	manage.GET("/formats/:id/fields/:qid", s.manageField, call)
	manage.POST("/formats/:id/fields/:qid", s.manageFieldSave, call)
	manage.POST("/formats/:id/fields/:qid/move", s.manageFieldMove, call)
	manage.POST("/formats/:id/fields/:qid/delete", s.manageFieldDelete, call)
	manage.POST("/formats/:id/fields/:qid/ask-again", s.manageFieldAskAgain, call)
	manage.GET("/extensions", s.manageExtensions, call)
	manage.POST("/extensions", s.manageExtensionGrant, call)
	manage.POST("/extensions/:id/revoke", s.manageExtensionRevoke, call)
	manage.POST("/links", s.manageLinkCreate, call)
	manage.POST("/links/:id/revoke", s.manageLinkRevoke, call)
	view := s.conferenceAccess(access.ViewProposals)
	manage.GET("/proposals", s.manageProposals, view)
	manage.GET("/proposals.csv", s.manageProposalsCSV, view)
	manage.GET("/proposals/:id", s.manageProposal, view)
	manage.POST("/proposals/:id/extend", s.manageProposalExtend, call)
	rm := s.conferenceAccess(access.ManageReview)
	manage.GET("/review", s.manageReviewSettings, rm)
	manage.POST("/review", s.manageReviewSettingsSave, rm)
	manage.GET("/review/rubrics", s.manageRubrics, rm)
	manage.GET("/review/rubrics/:id", s.manageRubric, rm)
	manage.POST("/review/rubrics/:id", s.manageRubricSave, rm)
	manage.GET("/reviewers", s.manageReviewers, rm)
	manage.POST("/reviewers", s.manageReviewersInvite, rm)
	manage.POST("/reviewers/remind", s.manageReviewersRemind, rm)
	manage.POST("/reviewers/conflicts", s.manageConflictSet, rm)
	manage.GET("/assignments", s.manageAssignments, rm)
	manage.POST("/assignments/plans", s.manageAssignmentPreview, rm)
	manage.GET("/assignments/plans/:plan", s.manageAssignmentPlan, rm)
	manage.POST("/assignments/plans/:plan/commit", s.manageAssignmentCommit, rm)
	manage.GET("/ranking", s.manageRanking, rm)
	manage.GET("/ranking.csv", s.rankingCSV, rm)
	manage.GET("/decisions", s.manageDecisions, rm)
	manage.POST("/decisions/notices", s.manageNoticesGenerate, rm)
	manage.POST("/decisions/notices/send", s.manageNoticesSend, rm)
	manage.GET("/decisions/templates/:kind", s.manageTemplate, rm)
	manage.POST("/decisions/templates/:kind", s.manageTemplateSave, rm)
	manage.POST("/review/proposals/:id/decision", s.manageDecide, rm)
	manage.POST("/review/proposals/:id/release", s.manageRelease, rm)
	manage.POST("/review/proposals/:id/participation", s.manageParticipation, rm)
	manage.POST("/review/proposals/:id/calibration", s.manageCalibrationToggle, rm)
	manage.POST("/review/proposals/:id/assignments", s.manageAssignmentChange, rm)

	// The published program: pages, the personal agenda, calendar feeds and exports.
	e.GET("/c/:slug/program", s.programShow)
	e.GET("/c/:slug/program/sessions/:id", s.programSessionShow)
	e.POST("/c/:slug/program/sessions/:id/star", s.programStar, requireUser)
	e.POST("/c/:slug/program/sessions/:id/unstar", s.programUnstar, requireUser)
	e.GET("/c/:slug/program/agenda", s.programAgenda, requireUser)
	e.POST("/c/:slug/program/agenda/feed", s.programFeedNew, requireUser)
	e.POST("/c/:slug/program/agenda/feed/revoke", s.programFeedRevoke, requireUser)
	// Feeds and exports answer HEAD too: calendar programs and link checkers ask it before fetching.
	for path, h := range map[string]echo.HandlerFunc{
		"/c/:slug/program/calendar.ics":              s.programCalendar,
		"/c/:slug/program/tracks/:id/calendar.ics":   s.programTrackCalendar,
		"/c/:slug/program/sessions/:id/calendar.ics": s.programSessionCalendar,
		"/c/:slug/program/feeds/:token/agenda.ics":   s.programAgendaCalendar,
		"/c/:slug/program/schedule.xml":              s.programScheduleXML,
		"/c/:slug/program/schedule.json":             s.programScheduleJSON,
		"/c/:slug/program/program.csv":               s.programCSV,
	} {
		e.GET(path, h)
		e.HEAD(path, h)
	}

	// Registration: the public form, the registrant's own page, and organizers' pages. Organizers'
	// routes check their action here and again in the service.
	e.GET("/c/:slug/register", s.registerForm)
	e.POST("/c/:slug/register", s.register)
	e.GET("/c/:slug/register/sent", s.registerSent)
	e.GET("/c/:slug/register/confirm", s.confirmForm)
	e.POST("/c/:slug/register/confirm", s.confirm)
	e.GET("/c/:slug/registration", s.registrationShow)
	e.POST("/c/:slug/registration/link", s.registrationLink)
	e.POST("/c/:slug/registration/cancel", s.registrationCancel)
	e.POST("/c/:slug/registration/accept", s.registrationAccept)
	e.POST("/c/:slug/registration/details", s.registrationDetails)
	e.POST("/c/:slug/registration/demographics", s.registrationDemographics)
	e.POST("/c/:slug/registration/demographics/delete", s.registrationDemographicsDelete)
	e.POST("/c/:slug/registration/workshops/:id/join", s.workshopJoin)
	e.POST("/c/:slug/registration/workshops/:id/leave", s.workshopLeave)
	e.POST("/c/:slug/registration/workshops/:id/accept", s.workshopAccept)
	e.GET("/c/:slug/registration/calendar.ics", s.registrationCalendar)
	// (Middleware per route, not a group: a group with middleware also catches every unknown path
	// under its prefix.)
	regs := []echo.MiddlewareFunc{requireUser, s.conferenceAccess(access.ManageRegistrations)}
	e.GET("/c/:slug/manage/registration", s.registrationSettings, regs...)
	e.POST("/c/:slug/manage/registration", s.registrationSettingsSave, regs...)
	e.GET("/c/:slug/manage/registration/questions", s.registrationQuestions, regs...)
	e.POST("/c/:slug/manage/registration/questions", s.registrationQuestionsSave, regs...)
	e.GET("/c/:slug/manage/registrations", s.registrationList, regs...)
	e.GET("/c/:slug/manage/registrations/export.csv", s.registrationExport, regs...)
	e.GET("/c/:slug/manage/registrations/new", s.registrationNew, regs...)
	e.POST("/c/:slug/manage/registrations/new", s.registrationAdd, regs...)
	e.GET("/c/:slug/manage/registrations/:id", s.registrationDetail, regs...)
	e.POST("/c/:slug/manage/registrations/:id/resend", s.registrationResend, regs...)
	e.POST("/c/:slug/manage/registrations/:id/cancel", s.registrationCancelFor, regs...)
	e.POST("/c/:slug/manage/registrations/:id/attendance", s.registrationAttendance, regs...)
	e.GET("/c/:slug/manage/workshops", s.workshopsShow, regs...)
	e.POST("/c/:slug/manage/workshops", s.workshopCreate, regs...)
	e.GET("/c/:slug/manage/workshops/:id", s.workshopShow, regs...)
	e.POST("/c/:slug/manage/workshops/:id", s.workshopUpdate, regs...)
	e.POST("/c/:slug/manage/workshops/:id/delete", s.workshopDelete, regs...)
	e.GET("/c/:slug/manage/accommodations", s.accommodationsShow, requireUser, s.conferenceAccess(access.ViewAccommodations))
	// The schedule: organizers build the program in a working copy and publish it. (Per route, as above.)
	sched := []echo.MiddlewareFunc{requireUser, s.conferenceAccess(access.ManageSchedule)}
	e.GET("/c/:slug/manage/rooms", s.manageRooms, sched...)
	e.POST("/c/:slug/manage/rooms", s.manageRoomSave, sched...)
	e.POST("/c/:slug/manage/rooms/:id", s.manageRoomSave, sched...)
	e.POST("/c/:slug/manage/rooms/:id/delete", s.manageRoomDelete, sched...)
	e.GET("/c/:slug/manage/schedule", s.manageSchedule, sched...)
	e.POST("/c/:slug/manage/schedule/place", s.manageSchedulePlace, sched...)
	e.POST("/c/:slug/manage/schedule/unplace", s.manageScheduleUnplace, sched...)
	e.GET("/c/:slug/manage/schedule/sessions/new", s.manageSessionNew, sched...)
	e.POST("/c/:slug/manage/schedule/sessions", s.manageSessionSave, sched...)
	e.GET("/c/:slug/manage/schedule/sessions/:id", s.manageSession, sched...)
	e.POST("/c/:slug/manage/schedule/sessions/:id", s.manageSessionSave, sched...)
	e.POST("/c/:slug/manage/schedule/sessions/:id/move", s.manageSessionMove, sched...)
	e.POST("/c/:slug/manage/schedule/sessions/:id/delete", s.manageSessionDelete, sched...)
	e.GET("/c/:slug/manage/schedule/conflicts", s.manageConflicts, sched...)
	e.GET("/c/:slug/manage/schedule/publish", s.managePublish, sched...)
	e.POST("/c/:slug/manage/schedule/publish", s.managePublishPost, sched...)
	e.GET("/c/:slug/manage/schedule/versions/:version", s.manageVersion, sched...)
	// Session hosts: the chairs of the program's sessions, whatever their role.
	e.GET("/c/:slug/hosting", s.hosting, requireUser)
	e.GET("/c/:slug/manage/demographics", s.demographicsShow, requireUser, s.conferenceAccess(access.ViewDemographics))

	// Installation administration.
	admin := e.Group("/admin", requireUser)
	admin.GET("", s.adminHome, requireAction(access.CreateConference))
	admin.GET("/conferences/new", s.conferenceNewForm, requireAction(access.CreateConference))
	admin.POST("/conferences", s.conferenceCreate, requireAction(access.CreateConference))
	admin.GET("/audit", s.auditLog, requireAction(access.ViewAuditLog))
	admin.GET("/mail", s.mailLog, requireAction(access.ViewAllMail))

	// The development mailbox exists only when mail is kept in it.
	if s.opts.DevMailbox != nil {
		e.GET("/dev/mailbox", s.devMailbox)
		e.GET("/dev/mailbox/:id", s.devMailboxMessage)
		e.GET("/dev/mailbox/:id/html", s.devMailboxHTML)
		e.GET("/dev/mailbox/:id/attachments/:n", s.devMailboxAttachment)
	}

	// The JSON API.
	api := e.Group("/api/v1", s.apiPrincipal)
	api.GET("/openapi.yaml", s.openAPI)
	api.POST("/auth/login", s.apiLogin)
	api.POST("/auth/logout", s.apiLogout, requireUser)
	api.GET("/me", s.apiMe, requireUser)
	api.PUT("/me/profile", s.apiProfileUpdate, requireUser)
	// A change of address is confirmed from the link mailed to the new one, as on the web.
	api.GET("/me/email", s.apiEmailShow, requireUser)
	api.POST("/me/email", s.apiEmailChange, requireUser)
	api.DELETE("/me/email", s.apiEmailCancel, requireUser)
	api.GET("/tokens", s.apiTokens, requireUser)
	api.POST("/tokens", s.apiTokenCreate, requireUser)
	api.DELETE("/tokens/:id", s.apiTokenRevoke, requireUser)
	api.GET("/conferences", s.apiConferences)
	api.GET("/conferences/:slug", s.apiConference)
	api.GET("/conferences/:slug/call", s.apiCallShow)
	api.GET("/conferences/:slug/call/access/:token", s.apiAccessLinkShow)
	mine := api.Group("/conferences/:slug/proposals", requireUser)
	mine.GET("", s.apiMyProposals)
	mine.POST("", s.apiProposalCreate)
	mine.GET("/:id", s.apiProposalShow)
	mine.PUT("/:id", s.apiProposalSave)
	mine.DELETE("/:id", s.apiProposalDelete)
	mine.POST("/:id/submit", s.apiProposalSubmit)
	mine.POST("/:id/withdraw", s.apiProposalStatus(s.opts.Submissions.Withdraw))
	mine.POST("/:id/restore", s.apiProposalStatus(s.opts.Submissions.Restore))
	mine.GET("/:id/revisions", s.apiProposalRevisions)
	mine.POST("/:id/presenters", s.apiPresenterInvite)
	mine.DELETE("/:id/presenters/:pid", s.apiPresenterRemove)
	api.GET("/invitations/:token", s.apiInvitationShow, requireUser)
	api.POST("/invitations/:token/accept", s.apiInvitationAnswer(true), requireUser)
	api.POST("/invitations/:token/decline", s.apiInvitationAnswer(false), requireUser)
	org := api.Group("/conferences/:slug/manage", requireUser)
	org.GET("/proposals", s.apiManageProposals, view)
	org.GET("/proposals.csv", s.manageProposalsCSV, view)
	org.PUT("/proposals/:id/deadline", s.apiProposalDeadline, call)
	org.PUT("/call", s.apiCallSave, call)
	org.GET("/tracks", s.apiTracks, call)
	org.POST("/tracks", s.apiTrackCreate, call)
	org.PUT("/tracks/:id", s.apiTrackUpdate, call)
	org.DELETE("/tracks/:id", s.apiTrackDelete, call)
	org.POST("/tracks/:id/move", s.apiMove(trackID, s.opts.Calls.MoveTrack, s.apiTracks), call)
	org.GET("/formats", s.apiFormats, call)
	org.POST("/formats", s.apiFormatCreate, call)
	org.PUT("/formats/:id", s.apiFormatUpdate, call)
	org.DELETE("/formats/:id", s.apiFormatDelete, call)
	org.POST("/formats/:id/move", s.apiMove(formatID, s.opts.Calls.MoveFormat, s.apiFormats), call)
	org.GET("/extensions", s.apiExtensions, call)
	org.POST("/extensions", s.apiExtensionGrant, call)
	org.DELETE("/extensions/:id", s.apiExtensionRevoke, call)
	org.GET("/access-links", s.apiAccessLinks, call)
	org.POST("/access-links", s.apiAccessLinkCreate, call)
	org.DELETE("/access-links/:id", s.apiAccessLinkRevoke, call)
	// Peer review. The review service decides who sees what of each proposal; the middleware keeps each
	// role to its routes: reviewers to /review, organizers to /manage/review, presenters to their own.
	api.GET("/me/review-invitations", s.apiMyReviewInvitations, requireUser)
	api.POST("/me/review-invitations/:id/accept", s.apiMyReviewInvitationAnswer(true), requireUser)
	api.POST("/me/review-invitations/:id/decline", s.apiMyReviewInvitationAnswer(false), requireUser)
	api.GET("/review-invitations/:token", s.apiReviewInvitation, requireUser)
	api.POST("/review-invitations/:token/accept", s.apiReviewInvitationAnswer(true), requireUser)
	api.POST("/review-invitations/:token/decline", s.apiReviewInvitationAnswer(false), requireUser)
	reviewing := s.conferenceAccess(access.Review)
	api.GET("/conferences/:slug/review/tasks", s.apiReviewTasks, requireUser, reviewing)
	api.GET("/conferences/:slug/review/profile", s.apiReviewerProfile, requireUser, reviewing)
	api.PUT("/conferences/:slug/review/profile", s.apiReviewerProfileSave, requireUser, reviewing)
	api.GET("/conferences/:slug/review/bids", s.apiBids, requireUser, reviewing)
	api.PUT("/conferences/:slug/review/bids", s.apiBidsSave, requireUser, reviewing)
	api.GET("/conferences/:slug/review/proposals/:id", s.apiReviewSheet, requireUser, reviewing)
	api.PUT("/conferences/:slug/review/proposals/:id/review", s.apiReviewSave, requireUser, reviewing)
	api.POST("/conferences/:slug/review/proposals/:id/conflict", s.apiConflictDeclare, requireUser, reviewing)
	api.POST("/conferences/:slug/review/proposals/:id/discussion", s.apiDiscuss, requireUser, reviewing)
	api.GET("/conferences/:slug/review/calibration", s.apiCalibrationResult, requireUser, reviewing)
	runReview := s.conferenceAccess(access.ManageReview)
	org.GET("/review/settings", s.apiReviewSettings, runReview)
	org.PUT("/review/settings", s.apiReviewSettingsSave, runReview)
	org.GET("/review/formats", s.apiRubrics, runReview)
	org.PUT("/review/formats/:id", s.apiRubricSave, runReview)
	org.GET("/review/invitations", s.apiReviewerInvitations, runReview)
	org.POST("/review/invitations", s.apiInviteReviewers, runReview)
	org.GET("/review/reviewers", s.apiReviewers, runReview)
	org.GET("/review/conflicts", s.apiDeclaredConflicts, runReview)
	org.PUT("/review/proposals/:id/conflicts/:user_id", s.apiConflictSet(true), runReview)
	org.DELETE("/review/proposals/:id/conflicts/:user_id", s.apiConflictSet(false), runReview)
	org.GET("/review/proposals/:id", s.apiReviewSheet, runReview)
	org.POST("/review/proposals/:id/discussion", s.apiDiscuss, runReview)
	org.PUT("/review/proposals/:id/decision", s.apiDecide, runReview)
	org.POST("/review/proposals/:id/release-comments", s.apiReleaseComments, runReview)
	org.PUT("/review/calibration/:id", s.apiCalibrationSample(true), runReview)
	org.DELETE("/review/calibration/:id", s.apiCalibrationSample(false), runReview)
	org.POST("/review/plans", s.apiPlanPreview, runReview)
	org.GET("/review/plans/:id", s.apiPlan, runReview)
	org.POST("/review/plans/:id/commit", s.apiPlanCommit, runReview)
	org.GET("/review/assignments", s.apiAssignments, runReview)
	org.POST("/review/assignments", s.apiAssignmentChange, runReview)
	org.GET("/review/progress", s.apiReviewProgress, runReview)
	org.POST("/review/reminders", s.apiRemind, runReview)
	org.GET("/review/ranking", s.apiRanking, runReview)
	org.GET("/review/ranking.csv", s.rankingCSV, runReview)
	org.GET("/review/decisions", s.apiDecisions, runReview)
	org.GET("/review/templates", s.apiTemplates, runReview)
	org.PUT("/review/templates/:kind", s.apiTemplateSave, runReview)
	org.POST("/review/templates/:kind/preview", s.apiTemplatePreview, runReview)
	org.GET("/review/notices", s.apiNotices, runReview)
	org.POST("/review/notices/generate", s.apiNoticesGenerate, runReview)
	org.POST("/review/notices/send", s.apiNoticesSend, runReview)
	mine.GET("/:id/feedback", s.apiFeedback)
	mine.POST("/:id/participation", s.apiParticipation)
	// Registration.
	api.GET("/conferences/:slug/registration", s.apiRegistrationDesk)
	api.POST("/conferences/:slug/registration", s.apiRegister)
	api.POST("/conferences/:slug/registration/confirm", s.apiConfirm)
	api.POST("/conferences/:slug/registration/link", s.apiRegistrationLink)
	api.GET("/conferences/:slug/registration/me", s.apiMyRegistration)
	api.PUT("/conferences/:slug/registration/me", s.apiMyRegistrationUpdate)
	api.DELETE("/conferences/:slug/registration/me", s.apiMyRegistrationCancel)
	api.POST("/conferences/:slug/registration/me/accept", s.apiMyRegistrationAccept)
	api.PUT("/conferences/:slug/registration/me/demographics", s.apiMyDemographics)
	api.DELETE("/conferences/:slug/registration/me/demographics", s.apiMyDemographicsDelete)
	api.PUT("/conferences/:slug/registration/me/workshops/:id", s.apiMyWorkshopJoin)
	api.DELETE("/conferences/:slug/registration/me/workshops/:id", s.apiMyWorkshopLeave)
	api.POST("/conferences/:slug/registration/me/workshops/:id/accept", s.apiMyWorkshopAccept)
	api.GET("/conferences/:slug/registration/me/calendar", s.apiMyCalendar)
	api.GET("/conferences/:slug/workshops", s.apiWorkshops)
	regOrg := []echo.MiddlewareFunc{requireUser, s.conferenceAccess(access.ManageRegistrations)}
	api.GET("/conferences/:slug/registration/settings", s.apiSettings, regOrg...)
	api.PUT("/conferences/:slug/registration/settings", s.apiSettingsUpdate, regOrg...)
	api.GET("/conferences/:slug/registrations", s.apiRegistrations, regOrg...)
	api.POST("/conferences/:slug/registrations", s.apiRegistrationAdd, regOrg...)
	api.GET("/conferences/:slug/registrations/export", s.apiRegistrationExport, regOrg...)
	api.GET("/conferences/:slug/registrations/:id", s.apiRegistration, regOrg...)
	api.POST("/conferences/:slug/registrations/:id/resend", s.apiRegistrationResend, regOrg...)
	api.POST("/conferences/:slug/registrations/:id/cancel", s.apiRegistrationCancel, regOrg...)
	api.PUT("/conferences/:slug/registrations/:id/attendance", s.apiRegistrationAttendance, regOrg...)
	api.POST("/conferences/:slug/workshops", s.apiWorkshopCreate, regOrg...)
	api.GET("/conferences/:slug/workshops/:id", s.apiWorkshop, regOrg...)
	api.PUT("/conferences/:slug/workshops/:id", s.apiWorkshopUpdate, regOrg...)
	api.DELETE("/conferences/:slug/workshops/:id", s.apiWorkshopDelete, regOrg...)
	api.GET("/conferences/:slug/accommodations", s.apiAccommodations, requireUser, s.conferenceAccess(access.ViewAccommodations))
	api.GET("/conferences/:slug/demographics", s.apiDemographics, requireUser, s.conferenceAccess(access.ViewDemographics))
	// The schedule builder.
	schedAPI := s.conferenceAccess(access.ManageSchedule)
	api.GET("/conferences/:slug/hosting", s.apiHosting, requireUser)
	org.GET("/schedule", s.apiSchedule, schedAPI)
	org.GET("/schedule/conflicts", s.apiConflicts, schedAPI)
	org.GET("/schedule/preview", s.apiPublishPreview, schedAPI)
	org.POST("/schedule/publish", s.apiPublish, schedAPI)
	org.GET("/schedule/versions", s.apiVersions, schedAPI)
	org.GET("/schedule/versions/:version", s.apiVersion, schedAPI)
	org.GET("/rooms", s.apiRooms, schedAPI)
	org.POST("/rooms", s.apiRoomSave, schedAPI)
	org.PUT("/rooms/:id", s.apiRoomSave, schedAPI)
	org.DELETE("/rooms/:id", s.apiRoomDelete, schedAPI)
	org.GET("/sessions", s.apiSessions, schedAPI)
	org.POST("/sessions", s.apiSessionCreate, schedAPI)
	org.GET("/sessions/:id", s.apiSession, schedAPI)
	org.PUT("/sessions/:id", s.apiSessionUpdate, schedAPI)
	org.DELETE("/sessions/:id", s.apiSessionDelete, schedAPI)
	org.POST("/sessions/:id/items", s.apiItemPlace, schedAPI)
	org.DELETE("/sessions/:id/items/:proposal_id", s.apiItemRemove, schedAPI)
	// The published program.
	api.GET("/conferences/:slug/program", s.apiProgramShow)
	api.GET("/conferences/:slug/program/sessions", s.apiProgramSessions)
	api.GET("/conferences/:slug/program/sessions/:id", s.apiProgramSession)
	api.GET("/conferences/:slug/program/stars", s.apiStarsList, requireUser)
	api.PUT("/conferences/:slug/program/stars/:id", s.apiStarAdd, requireUser)
	api.DELETE("/conferences/:slug/program/stars/:id", s.apiStarRemove, requireUser)
	api.GET("/conferences/:slug/program/feed-token", s.apiFeedTokenShow, requireUser)
	api.POST("/conferences/:slug/program/feed-token", s.apiFeedTokenCreate, requireUser)
	api.DELETE("/conferences/:slug/program/feed-token", s.apiFeedTokenRevoke, requireUser)
	api.RouteNotFound("/*", s.apiNotFound)
	// A group with middleware of its own catches its unmatched paths with Echo's plain 404; under
	// the API they get the same answer as the rest (405 with Allow for a wrong method).
	for _, g := range []*echo.Group{mine, org} {
		g.RouteNotFound("", s.apiNotFound)
		g.RouteNotFound("/*", s.apiNotFound)
	}
	for route := range s.largeBodies() {
		if !slices.ContainsFunc(e.Routes(), func(r *echo.Route) bool { return r.Method+" "+r.Path == route }) {
			return fmt.Errorf("routes: a body limit for %s, which is no route", route)
		}
	}
	return nil
}

// bytesPerChar is the most one character of text can take in a request body: a 4-byte UTF-8
// character percent-encoded in a form (%F0%9F%98%80), or escaped in JSON as a surrogate pair
// (\ud83d\ude00). Text in Japanese takes 9 bytes a character in a form.
const bytesPerChar = 12

// bodySlack is room in a body for what is not the long texts: the short fields, the CSRF token,
// JSON's names and punctuation.
const bodySlack = 64 << 10

// largeBodies are the routes whose forms allow more text than the body limit holds, each with the
// limit that fits the most text the form allows (never less than the body limit): a form within
// its limits is never refused whole as too large, losing what was typed.
func (s *Server) largeBodies() map[string]int64 {
	fits := func(chars int) int64 { return max(s.opts.BodyLimit, int64(chars)*bytesPerChar+bodySlack) }
	call := fits(cfp.MaxIntroChars + 2*cfp.MaxPageChars)
	format := fits(cfp.MaxFormatNameChars + cfp.MaxFormatDescriptionChars +
		question.MaxQuestions*(question.MaxLabel+question.MaxHelp+question.MaxOptions*question.MaxOption))
	return map[string]int64{
		"POST /c/:slug/manage/call":                        call,
		"PUT /api/v1/conferences/:slug/manage/call":        call,
		"POST /api/v1/conferences/:slug/manage/formats":    format,
		"PUT /api/v1/conferences/:slug/manage/formats/:id": format,
	}
}

// bodyLimitOf is the most bytes a request to the route ("POST /c/:slug/proposals") may send, as
// bodyLimit enforces it: for a form's page to say so before the form is sent.
func (s *Server) bodyLimitOf(route string) int64 {
	if n, ok := s.largeBodies()[route]; ok {
		return n
	}
	return s.opts.BodyLimit
}

// bodyLimit refuses a body larger than its route accepts: the configured body limit, or the larger
// one of largeBodies. It runs after routing, before anything reads the body (the CSRF check does).
func (s *Server) bodyLimit() echo.MiddlewareFunc {
	limit := func(n int64) echo.MiddlewareFunc {
		return middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: humanBytes(n)})
	}
	// Built once: Echo applies its middleware to each request's handler, so what is made here per
	// call of the returned function is made per request.
	plain := limit(s.opts.BodyLimit)
	// Keyed by method and path apart, so that a request's look-up joins no strings.
	type route struct{ method, path string }
	routes := make(map[route]echo.MiddlewareFunc)
	for r, n := range s.largeBodies() {
		method, path, _ := strings.Cut(r, " ")
		routes[route{method, path}] = limit(n)
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if mw, ok := routes[route{c.Request().Method, c.Path()}]; ok {
				return mw(next)(c)
			}
			return plain(next)(c)
		}
	}
}

// humanBytes writes a byte count as the body limit middleware reads it.
func humanBytes(n int64) string {
	switch {
	case n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	case n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "KiB"
	}
	return strconv.FormatInt(n, 10) + "B"
}
