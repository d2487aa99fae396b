// The registration surge: registration opens with an announcement and many people arrive at once.
// Each iteration is one person who opens the registration form and sends it, as a browser does
// (session cookie, CSRF token, the form fields), choosing the workshop; most answer some of the
// optional demographic questions, and one in twenty presses the button twice.
//
// Run by deploy/load/run.sh (make load-registration), which starts the server and checks the database
// afterwards. Environment: BASE_URL, SLUG, WORKSHOP_ID, PEOPLE (10000), VUS (500).
import http from 'k6/http';
import exec from 'k6/execution';
import { check, fail } from 'k6';

const BASE = __ENV.BASE_URL;
const SLUG = __ENV.SLUG;
const WORKSHOP = __ENV.WORKSHOP_ID;
const PEOPLE = parseInt(__ENV.PEOPLE || '10000', 10);
const VUS = parseInt(__ENV.VUS || '500', 10);

export const options = {
  scenarios: {
    surge: { executor: 'shared-iterations', vus: VUS, iterations: PEOPLE, maxDuration: '20m' },
  },
  summaryTrendStats: ['avg', 'min', 'med', 'p(95)', 'p(99)', 'max'],
  thresholds: {
    // Zero errors: every request answered as expected.
    http_req_failed: ['rate==0'],
    checks: ['rate==1'],
    // Not limits: these make k6 report each request's durations apart in its summary.
    'http_req_duration{name:GET /c/{slug}/register}': ['max>=0'],
    'http_req_duration{name:POST /c/{slug}/register}': ['max>=0'],
  },
};

const roles = ['medical_student', 'house_staff', 'dean', 'director', 'faculty', 'academic_administrator',
  'community_member', 'graduate_student', 'postdoctoral_fellow'];
const races = ['American Indian or Alaska Native', 'Asian', 'Black or African American',
  'Hispanic, Latino/a/x or of Spanish origin', 'White'];

export default function () {
  const n = exec.scenario.iterationInTest;
  const form = http.get(`${BASE}/c/${SLUG}/register`, { tags: { name: 'GET /c/{slug}/register' } });
  if (!check(form, { 'the form loads': (r) => r.status === 200 })) {
    fail(`form: ${form.status}`);
  }
  const m = /name="_csrf" value="([^"]+)"/.exec(form.body);
  if (!m) {
    fail('no CSRF token on the form');
  }
  const token = m[1];
  const fields = {
    _csrf: token,
    name: `Surge Person ${n}`,
    email: `surge.person.${n}@example.org`,
    participant_role: roles[n % roles.length],
    institution: 'Meharry Medical College',
    pronouns: n % 3 === 0 ? 'they/them' : '',
    consent: 'yes',
    workshops: WORKSHOP,
    website: '',
  };
  if (n % 5 !== 0) {
    fields['demographics.race_ethnicity'] = races[n % races.length];
    fields['demographics.disability'] = n % 7 === 0 ? 'Yes' : 'No';
  }
  if (n % 11 === 0) {
    fields.accommodations = 'captions';
  }
  const url = `${BASE}/c/${SLUG}/register`;
  const params = { redirects: 0, tags: { name: 'POST /c/{slug}/register' } };
  const sent = (r) => r.status === 303 && (r.headers.Location || '').endsWith('/register/sent');
  if (n % 20 === 0) {
    // A double click: two identical requests at once. Both are answered alike; one registration.
    const rs = http.batch([['POST', url, fields, params], ['POST', url, fields, params]]);
    check(rs[0], { 'registered (303 to the sent page)': sent });
    check(rs[1], { 'a double click is answered like the first': sent });
  } else {
    check(http.post(url, fields, params), { 'registered (303 to the sent page)': sent });
  }
}
