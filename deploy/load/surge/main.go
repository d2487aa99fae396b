// Command surge is the load generator of the deadline surge (deploy/load/surge.sh, make bench):
// every submitter creates a draft, saves it three times and submits it, as happens in the last hours
// before a call closes. Requests are made by vegeta's attacker; this program chains each
// submitter's five requests (the draft's id comes from the create) and reports the latency of each
// step.
//
//	go run ./deploy/load/surge -base URL -slug SLUG -tokens FILE [-first N] [-count N] [-clients N | -rate N] [-out FILE]
//
// Two ways to load the service:
//   - -clients N (default 200): that many clients in a closed loop, each starting its next submitter
//     as soon as the last one has submitted; the service runs flat out and the clients wait for it.
//   - -rate N: N submitters arriving every second whoever is still busy, as people do; the latency
//     is then that of a service that keeps up (or the proof that it does not).
//
// The load generator shares the machine with the service and PostgreSQL, so it is written to cost
// little: each body is put together from texts encoded once, only the answers that carry something
// the next step needs (the draft's id) or that must be checked (the submitted status) are read, and
// those only as far as the proposal's id, version and status; its heap is collected less often.
//
// The tokens file is the one `conference seed demo --tokens` writes. The summary (JSON, -out) holds
// the number of requests, the elapsed time, the errors with a few examples, per step the count and
// the median, 95th and 99th percentile and maximum latency in milliseconds, and the CPU time the
// program itself used. The exit status is
// 1 when any request failed or any submitter did not finish.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func main() {
	// The generator's heap is small and lives as long as the run: collecting it less often leaves
	// more of the shared cores to the service it measures.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(800)
	}
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "surge:", err)
		os.Exit(1)
	}
}

// The steps of a submitter, in order.
var steps = []string{"create", "save", "save", "save", "submit"}

// submitter is one person's way through the steps. Only one of its requests is in flight at a time.
type submitter struct {
	i       int    // index in the tokens file
	auth    string // the Authorization header
	step    int    // index in steps of the request in flight
	id      int64  // the draft, once created
	version int
	sent    time.Time // when the request in flight left the queue
}

type options struct {
	base, slug, tokens, out string
	first, count, clients   int
	rate                    float64
}

func run(args []string) error {
	var o options
	fs := flag.NewFlagSet("surge", flag.ContinueOnError)
	fs.StringVar(&o.base, "base", "", "the service's base URL, e.g. http://127.0.0.1:8080")
	fs.StringVar(&o.slug, "slug", "challenging-norms", "the conference")
	fs.StringVar(&o.tokens, "tokens", "", "JSON file of {email, token} from `conference seed demo --tokens`")
	fs.IntVar(&o.first, "first", 0, "the first submitter of the file to take part")
	fs.IntVar(&o.count, "count", 0, "how many submitters take part (default: the rest of the file)")
	fs.IntVar(&o.clients, "clients", 200, "clients in a closed loop (without -rate)")
	fs.Float64Var(&o.rate, "rate", 0, "submitters arriving per second (instead of a closed loop)")
	fs.StringVar(&o.out, "out", "", "write the summary as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.base == "" || o.tokens == "" {
		return errors.New("-base and -tokens are required")
	}
	var tokens []struct{ Token string }
	b, err := os.ReadFile(o.tokens)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &tokens); err != nil {
		return fmt.Errorf("%s: %w", o.tokens, err)
	}
	if o.count == 0 {
		o.count = len(tokens) - o.first
	}
	if o.first < 0 || o.count <= 0 || o.first+o.count > len(tokens) {
		return fmt.Errorf("submitters %d to %d: the file has %d", o.first, o.first+o.count, len(tokens))
	}
	if o.rate <= 0 && o.clients <= 0 {
		return errors.New("-clients must be positive")
	}
	if o.rate > 100000 {
		return errors.New("-rate is at most 100000 submitters a second")
	}
	api := strings.TrimRight(o.base, "/") + "/api/v1/conferences/" + o.slug
	format, tracks, err := callOf(api)
	if err != nil {
		return err
	}
	l := &load{o: o, api: api, format: format, tracks: tracks, tokens: tokens, texts: map[[2]int][]byte{},
		ready: make(chan *submitter, o.count), latencies: map[string][]time.Duration{}}
	sum := l.run()
	if o.out != "" {
		b, _ := json.MarshalIndent(sum, "", "  ")
		if err := os.WriteFile(o.out, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("%d requests in %.1f s (%.0f/s), %d errors, %d of %d submitters finished\n",
		sum.Requests, sum.Seconds, sum.Rate, sum.Errors, sum.Finished, o.count)
	for _, s := range []string{"create", "save", "submit"} {
		t := sum.Steps[s]
		fmt.Printf("  %-6s p50 %6.1f ms  p95 %6.1f ms  p99 %6.1f ms  max %6.1f ms  (%d)\n", s, t.P50, t.P95, t.P99, t.Max, t.Count)
	}
	for _, e := range sum.Examples {
		fmt.Println("  error:", e)
	}
	if sum.Errors > 0 || sum.Finished != o.count {
		return fmt.Errorf("%d requests failed and %d submitters did not finish", sum.Errors, o.count-sum.Finished)
	}
	return nil
}

// callOf reads the public call: the poster format's id and the tracks' ids.
func callOf(api string) (int64, []int64, error) {
	r, err := http.Get(api + "/call")
	if err != nil {
		return 0, nil, err
	}
	defer r.Body.Close()
	if r.StatusCode != http.StatusOK {
		return 0, nil, fmt.Errorf("GET %s/call: %s", api, r.Status)
	}
	var call struct {
		Formats []struct {
			ID   int64
			Name string
		}
		Tracks []struct{ ID int64 }
	}
	if err := json.NewDecoder(r.Body).Decode(&call); err != nil {
		return 0, nil, fmt.Errorf("GET %s/call: %w", api, err)
	}
	var format int64
	for _, f := range call.Formats {
		if f.Name == "Poster abstract" {
			format = f.ID
		}
	}
	if format == 0 || len(call.Tracks) == 0 {
		return 0, nil, errors.New("the conference has no poster format or no tracks")
	}
	tracks := make([]int64, len(call.Tracks))
	for i, t := range call.Tracks {
		tracks[i] = t.ID
	}
	return format, tracks, nil
}

type load struct {
	o       options
	api     string
	format  int64
	tracks  []int64
	tokens  []struct{ Token string }
	textsMu sync.Mutex
	texts   map[[2]int][]byte

	// ready holds the submitters whose next request may go; the attacker's workers take from it.
	ready chan *submitter
	// Kept by the goroutine reading the results.
	all       []*submitter
	started   int
	finished  int
	errors    int
	examples  []string
	latencies map[string][]time.Duration
}

// Summary is what the run reports.
type Summary struct {
	Requests int             `json:"requests"`
	Seconds  float64         `json:"seconds"`
	Rate     float64         `json:"rate"`
	Errors   int             `json:"errors"`
	Examples []string        `json:"examples,omitempty"`
	Finished int             `json:"finished"`
	Steps    map[string]Step `json:"steps"`
	// CPUSeconds is the time this program spent on the cores, user and system, for the share of the
	// machine the load generator took.
	CPUSeconds float64 `json:"cpu_seconds"`
}

// Step is the latency of one kind of request, in milliseconds.
type Step struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

func (l *load) run() Summary {
	l.all = make([]*submitter, l.o.count)
	workers := uint64(l.o.clients)
	// Arrivals are buffered so that the clock never waits for the goroutine reading results.
	arrivals := make(chan struct{}, l.o.count)
	if l.o.rate > 0 {
		// Enough workers that an arriving submitter never waits for one.
		workers = uint64(l.o.count)
		go func() {
			defer close(arrivals)
			// Submitter n arrives n/rate seconds after the start, however late the one before.
			start := time.Now()
			for n := range l.o.count {
				time.Sleep(time.Until(start.Add(time.Duration(float64(n) / l.o.rate * float64(time.Second)))))
				arrivals <- struct{}{}
			}
		}()
	} else {
		for range min(l.o.clients, l.o.count) {
			l.start()
		}
		close(arrivals)
	}
	atk := vegeta.NewAttacker(vegeta.Workers(min(workers, 1000)), vegeta.MaxWorkers(workers), vegeta.Timeout(time.Minute),
		vegeta.Redirects(vegeta.NoFollow), vegeta.KeepAlive(true), vegeta.Connections(int(workers)))
	began := time.Now()
	results := atk.Attack(l.target, vegeta.ConstantPacer{}, 0, "surge")
	requests := 0
	for {
		select {
		case _, ok := <-arrivals:
			if ok {
				l.start()
			} else {
				arrivals = nil
			}
		case r, ok := <-results:
			if !ok {
				return l.summary(requests, time.Since(began))
			}
			if r.URL == "" {
				continue // a worker found no submitter left: the attack ends
			}
			requests++
			l.done(r)
		}
	}
}

// start lets the next submitter begin, or ends the attack when all have finished.
func (l *load) start() {
	if l.started == l.o.count {
		if l.finished == l.o.count {
			close(l.ready)
		}
		return
	}
	i := l.o.first + l.started
	s := &submitter{i: i, auth: "Bearer " + l.tokens[i].Token}
	l.all[l.started] = s
	l.started++
	l.ready <- s
}

// target is vegeta's targeter: the next request of a submitter whose last one was answered. The
// submitter's place in l.all goes in the URL's fragment, which is not sent, to find it again in
// the result.
func (l *load) target(t *vegeta.Target) error {
	s, ok := <-l.ready
	if !ok {
		return vegeta.ErrNoTargets
	}
	n := s.i - l.o.first
	t.Header = http.Header{"Authorization": {s.auth}, "Content-Type": {"application/json"},
		"Idempotency-Key": {"surge-" + strconv.Itoa(s.i)},
		// Uncompressed answers, as from the k6 script before: compressing them is the service's work, not the surge's.
		"Accept-Encoding": {"identity"}}
	switch steps[s.step] {
	case "create":
		t.Method, t.URL, t.Body = http.MethodPost, fmt.Sprintf("%s/proposals#%d", l.api, n), l.content(s.i, 0, 0)
	case "save":
		t.Method, t.URL, t.Body = http.MethodPut, fmt.Sprintf("%s/proposals/%d#%d", l.api, s.id, n), l.content(s.i, s.step, s.version)
	default:
		t.Method, t.URL = http.MethodPost, fmt.Sprintf("%s/proposals/%d/submit#%d", l.api, s.id, n)
		t.Body = []byte(`{"version":` + strconv.Itoa(s.version) + `}`)
	}
	s.sent = time.Now()
	return nil
}

// done takes in the answer to a submitter's request and lets its next request go.
func (l *load) done(r *vegeta.Result) {
	_, frag, _ := strings.Cut(r.URL, "#")
	n, err := strconv.Atoi(frag)
	if err != nil || n < 0 || n >= len(l.all) || l.all[n] == nil {
		l.fail(fmt.Sprintf("%s %s: not a request of this run", r.Method, r.URL))
		return
	}
	s := l.all[n]
	step := steps[s.step]
	l.latencies[step] = append(l.latencies[step], r.End().Sub(s.sent))
	var answer proposalAnswer
	want := http.StatusOK
	if step == "create" {
		want = http.StatusCreated
	}
	problem := ""
	switch {
	case r.Error != "":
		problem = r.Error
	case int(r.Code) != want:
		problem = fmt.Sprintf("status %d", r.Code)
	case step == "create" || step == "submit":
		if answer, err = answerOf(r.Body); err != nil {
			problem = err.Error()
		} else if step == "submit" && answer.Status != "submitted" {
			problem = "the proposal's status is " + strconv.Quote(answer.Status)
		}
	}
	if problem != "" {
		body := string(r.Body)
		if len(body) > 300 {
			body = body[:300] + "…"
		}
		l.fail(fmt.Sprintf("submitter %d, %s: %s %s", s.i, step, problem, body))
		l.finished++ // this submitter gives up; the next one starts
		l.next()
		return
	}
	switch step {
	case "create":
		s.id, s.version = answer.ID, answer.Version
	case "save":
		s.version++ // each save changes the text, so it makes a new version
	}
	if s.step++; s.step < len(steps) {
		l.ready <- s
		return
	}
	l.finished++
	l.next()
}

// proposalAnswer is what the surge needs of an answer about a proposal.
type proposalAnswer struct {
	ID      int64
	Version int
	Status  string
}

// answerOf reads the proposal's id, version and status from an answer of the API
// ({"proposal": {"id": …, "status": …, "version": …, …}, …}): the tokens are read only until the
// three are known, not the whole text of the proposal.
func answerOf(body []byte) (proposalAnswer, error) {
	var a proposalAnswer
	d := json.NewDecoder(bytes.NewReader(body))
	delim := func(want json.Delim) error {
		t, err := d.Token()
		if err == nil && t != want {
			err = fmt.Errorf("the answer has %v where %v belongs", t, want)
		}
		return err
	}
	if err := delim('{'); err != nil {
		return a, err
	}
	for d.More() {
		key, err := d.Token()
		if err != nil {
			return a, err
		}
		if key != "proposal" {
			var skip json.RawMessage
			if err := d.Decode(&skip); err != nil {
				return a, err
			}
			continue
		}
		if err := delim('{'); err != nil {
			return a, err
		}
		for found := 0; d.More(); {
			key, err := d.Token()
			if err != nil {
				return a, err
			}
			var v any = new(json.RawMessage)
			switch key {
			case "id":
				v, found = &a.ID, found|1
			case "version":
				v, found = &a.Version, found|2
			case "status":
				v, found = &a.Status, found|4
			}
			if err := d.Decode(v); err != nil {
				return a, fmt.Errorf("the proposal's %v: %w", key, err)
			}
			if found == 7 {
				return a, nil
			}
		}
		break
	}
	return a, errors.New("the answer has no proposal with its id, version and status")
}

// next starts another submitter in a closed loop; arriving ones are started by the clock.
func (l *load) next() {
	if l.o.rate <= 0 || l.started == l.o.count {
		l.start()
	}
}

func (l *load) fail(msg string) {
	l.errors++
	if len(l.examples) < 5 {
		l.examples = append(l.examples, msg)
	}
}

func (l *load) summary(requests int, elapsed time.Duration) Summary {
	finished := 0
	for _, s := range l.all {
		if s != nil && s.step == len(steps) {
			finished++
		}
	}
	sum := Summary{Requests: requests, Seconds: elapsed.Seconds(), Rate: float64(requests) / elapsed.Seconds(), Errors: l.errors,
		Examples: l.examples, Finished: finished, Steps: map[string]Step{}}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		sum.CPUSeconds = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	for name, ds := range l.latencies {
		slices.Sort(ds)
		sum.Steps[name] = Step{Count: len(ds), P50: percentile(ds, 50), P95: percentile(ds, 95), P99: percentile(ds, 99),
			Max: ms(ds[len(ds)-1])}
	}
	return sum
}

// percentile of sorted durations, in milliseconds, interpolated between the closest ranks.
func percentile(sorted []time.Duration, p float64) float64 {
	x := p / 100 * float64(len(sorted)-1)
	i := int(x)
	if i+1 >= len(sorted) {
		return ms(sorted[len(sorted)-1])
	}
	return ms(sorted[i]) + (x-float64(i))*(ms(sorted[i+1])-ms(sorted[i]))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Sentences to write abstracts and answers of realistic length from.
var sentences = []string{
	"We audited narrative evaluations in four core clerkships for language that differed by race and ethnicity.",
	"Community partners co-led every planning meeting and were paid for their time and expertise.",
	"Students described the learning environment as more inclusive after the curriculum changed.",
	"We removed race from the kidney function calculation taught in the second year and explained why.",
	"Faculty completed a structured training on writing specific, behavioural feedback for learners.",
	"Residents underrepresented in medicine reported fewer experiences of being mistaken for other staff.",
	"The program committee rewrote its interview questions with input from current residents and staff.",
	"Our evaluation combined focus groups with an analysis of grade distributions before and after the change.",
}

// text is at least words words of the sentences, starting at the seed's, as a JSON string; the texts
// repeat with the seed modulo the number of sentences, so each is built and encoded once.
func (l *load) text(words, seed int) []byte {
	k := [2]int{words, seed % len(sentences)}
	l.textsMu.Lock()
	defer l.textsMu.Unlock()
	if t, ok := l.texts[k]; ok {
		return t
	}
	var out []string
	for i, n := k[1], 0; n < words; i++ {
		s := sentences[i%len(sentences)]
		out = append(out, s)
		n += len(strings.Fields(s))
	}
	// Shared by the workers, and read only: clipped, so that an append to it cannot write into it.
	t, _ := json.Marshal(strings.Join(out, " "))
	l.texts[k] = slices.Clip(t)
	return l.texts[k]
}

// content is the JSON body of submitter i's create (round 0) or save (rounds 1 to 3): the encoded
// texts put together, which is what json.Marshal of the same fields gives (TestContentIsJSON).
func (l *load) content(i, round, version int) []byte {
	title, _ := json.Marshal(fmt.Sprintf("Clerkship grading and bias, study %d, draft %d", i, round))
	b := make([]byte, 0, 3072)
	b = append(b, `{"format_id":`...)
	b = strconv.AppendInt(b, l.format, 10)
	b = append(b, `,"track_id":`...)
	b = strconv.AppendInt(b, l.tracks[i%len(l.tracks)], 10)
	b = append(append(b, `,"title":`...), title...)
	b = append(append(b, `,"abstract":`...), l.text(180, i+round)...)
	b = strconv.AppendInt(append(b, `,"version":`...), int64(version), 10)
	b = append(append(b, `,"answers":{"background":`...), l.text(90, i)...)
	b = append(append(b, `,"approach":`...), l.text(90, i+1)...)
	b = append(append(b, `,"outcomes":`...), l.text(90, i+2+round)...)
	b = append(append(b, `,"implications":`...), l.text(60, i+3)...)
	return append(b, `,"stage":"In progress"}}`...)
}
