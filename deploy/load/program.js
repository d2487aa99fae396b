// Readers of the published program: every client requests URL as fast as it is answered, from VUS
// concurrent clients for DURATION. Run by deploy/load/program.sh (make bench) three times in
// one run: against a hello-world Echo handler (the baseline), the program page and the full
// iCalendar feed.
//
// Environment: URL (the full address), VUS (200), DURATION ("20s"), P99_MS (a p99 threshold, none
// unless given),
// ETAG (the ETag of the body program.sh checked: another answer, e.g. an error page, fails the
// check). program.sh
// checks the content once before; here bodies are received in full but not kept, so that the load
// generator spends its time on requests, not on copying bodies into JavaScript strings.
import http from "k6/http";
import { check } from "k6";

const vus = parseInt(__ENV.VUS || "200", 10);

// RATE (requests/s) switches from clients that ask again the moment they are answered (a closed
// model: the server's capacity) to requests arriving at that rate from up to VUS clients (an open
// model: the latency at a given load).
const rate = parseInt(__ENV.RATE || "0", 10);
const readers = rate > 0
  ? { executor: "constant-arrival-rate", rate: rate, timeUnit: "1s", duration: __ENV.DURATION || "20s",
      preAllocatedVUs: vus, maxVUs: vus, gracefulStop: "5s" }
  : { executor: "constant-vus", vus: vus, duration: __ENV.DURATION || "20s", gracefulStop: "5s" };

export const options = {
  scenarios: { readers },
  thresholds: {
    http_req_failed: ["rate==0"],
    checks: ["rate==1"],
    // The latency target applies at the required rate; saturated, latency is throughput's mirror.
    http_req_duration: [__ENV.P99_MS ? `p(99)<${__ENV.P99_MS}` : "max>=0"],
  },
  summaryTrendStats: ["avg", "min", "med", "p(90)", "p(95)", "p(99)", "max", "count"],
  discardResponseBodies: true,
};

const etag = __ENV.ETAG || "";

export default function () {
  // As browsers and calendar programs do; the server keeps a compressed copy per version.
  const res = http.get(__ENV.URL, { headers: { "Accept-Encoding": "gzip" } });
  check(res, {
    "status 200": (r) => r.status === 200,
    // The strong ETag of the version's compressed copy: exactly the bytes program.sh checked.
    "the version's body": (r) => etag === "" || (r.headers["Etag"] || r.headers["ETag"]) === etag,
  });
}
