// The deadline surge: every submitter creates a draft, saves it three times and submits it, as
// happens in the last hours before a call closes. Run by deploy/load/surge.sh (make bench).
//
// Environment: BASE_URL, SLUG (the conference), TOKENS (a JSON file of {email, token} from
// `conference seed demo --tokens`), FIRST and COUNT (which submitters of the file take part: by
// default all), and one of two ways to load the service:
// - VUS (default 200): that many clients in a closed loop, each starting its next submitter as soon
//   as the last one has submitted; the service runs flat out and the clients wait for it.
// - RATE: submitters arriving at a steady RATE per second whoever is still busy, as people do; the
//   latency is then that of a service that keeps up (or the proof that it does not).
import http from "k6/http";
import { check, fail } from "k6";
import { SharedArray } from "k6/data";
import exec from "k6/execution";

const tokens = new SharedArray("tokens", () => JSON.parse(open(__ENV.TOKENS)));
const base = `${__ENV.BASE_URL}/api/v1/conferences/${__ENV.SLUG}`;
const vus = parseInt(__ENV.VUS || "200", 10);
const first = parseInt(__ENV.FIRST || "0", 10);
const count = parseInt(__ENV.COUNT || String(tokens.length - first), 10);
const rate = parseInt(__ENV.RATE || "0", 10);

const surge = rate > 0
  ? { executor: "constant-arrival-rate", rate: rate, timeUnit: "1s", duration: `${Math.ceil(count / rate)}s`,
      preAllocatedVUs: Math.min(count, 4 * rate), maxVUs: Math.min(count, 20 * rate), gracefulStop: "2m" }
  : { executor: "shared-iterations", vus: vus, iterations: count, maxDuration: "15m" };

export const options = {
  scenarios: { surge: surge },
  thresholds: {
    http_req_failed: ["rate==0"],
    checks: ["rate==1"],
    "http_req_duration{step:create}": ["max>=0"],
    "http_req_duration{step:save}": ["p(99)<150"],
    "http_req_duration{step:submit}": ["p(99)<150"],
    // An arrival that found every client busy is skipped by k6: the service did not keep up.
    ...(rate > 0 ? { dropped_iterations: ["count==0"] } : {}),
  },
  summaryTrendStats: ["avg", "min", "med", "p(90)", "p(95)", "p(99)", "max", "count"],
  discardResponseBodies: false,
};

// Sentences to write abstracts and answers of realistic length from.
const sentences = [
  "We audited narrative evaluations in four core clerkships for language that differed by race and ethnicity.",
  "Community partners co-led every planning meeting and were paid for their time and expertise.",
  "Students described the learning environment as more inclusive after the curriculum changed.",
  "We removed race from the kidney function calculation taught in the second year and explained why.",
  "Faculty completed a structured training on writing specific, behavioural feedback for learners.",
  "Residents underrepresented in medicine reported fewer experiences of being mistaken for other staff.",
  "The program committee rewrote its interview questions with input from current residents and staff.",
  "Our evaluation combined focus groups with an analysis of grade distributions before and after the change.",
];

// The texts repeat with the seed modulo the number of sentences: build each once per client, so that
// the load generator spends its share of the two cores on requests rather than on string building.
const texts = {};
function text(words, seed) {
  const k = words + ":" + (seed % sentences.length);
  let t = texts[k];
  if (t === undefined) {
    t = texts[k] = build(words, seed % sentences.length);
  }
  return t;
}
function build(words, seed) {
  const out = [];
  let n = 0;
  for (let i = seed; n < words; i++) {
    const s = sentences[i % sentences.length];
    out.push(s);
    n += s.split(" ").length;
  }
  return out.join(" ");
}

export function setup() {
  const r = http.get(`${base}/call`);
  if (r.status !== 200) {
    fail(`GET call: ${r.status} ${r.body}`);
  }
  const call = r.json();
  const poster = call.formats.find((f) => f.name === "Poster abstract");
  if (!poster || call.tracks.length === 0) {
    fail("the conference has no poster format or no tracks");
  }
  return { format: poster.id, tracks: call.tracks.map((t) => t.id) };
}

export default function (data) {
  const i = first + exec.scenario.iterationInTest;
  if (i >= first + count) {
    return; // an arrival-rate run may start a few iterations more than there are submitters
  }
  const who = tokens[i];
  const params = (step) => ({
    headers: { Authorization: `Bearer ${who.token}`, "Content-Type": "application/json", "Idempotency-Key": `surge-${i}` },
    tags: { step: step },
  });
  const content = (version, round) => ({
    format_id: data.format,
    track_id: data.tracks[i % data.tracks.length],
    title: `Clerkship grading and bias, study ${i}, draft ${round}`,
    abstract: text(180, i + round),
    version: version,
    answers: {
      background: text(90, i),
      approach: text(90, i + 1),
      outcomes: text(90, i + 2 + round),
      implications: text(60, i + 3),
      stage: "In progress",
    },
  });

  let r = http.post(`${base}/proposals`, JSON.stringify(content(0, 0)), params("create"));
  if (!check(r, { "create 201": (x) => x.status === 201 })) {
    fail(`create: ${r.status} ${r.body}`);
  }
  const id = r.json("proposal.id");
  let version = r.json("proposal.version");
  for (let round = 1; round <= 3; round++) {
    r = http.put(`${base}/proposals/${id}`, JSON.stringify(content(version, round)), params("save"));
    if (!check(r, { "save 200": (x) => x.status === 200 })) {
      fail(`save: ${r.status} ${r.body}`);
    }
    version = r.json("proposal.version");
  }
  r = http.post(`${base}/proposals/${id}/submit`, JSON.stringify({ version: version }), params("submit"));
  check(r, { "submit 200": (x) => x.status === 200 && x.json("proposal.status") === "submitted" });
}
