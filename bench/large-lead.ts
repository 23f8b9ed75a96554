/**
 * @module A 10 KB event for bench/capacity.ts: the bench's lead (bench/fixtures.ts,
 * about 1 KB delivered) with ten times the custom fields and a list of call
 * notes, 9 KB more in all, written as a CRM would hold them: varied words,
 * figures and dates, not one repeated string, so a store that compresses
 * payloads gets no more out of it than out of real data (gzip: about 2.9x).
 * Deterministic: the same bytes on every run.
 */
import { deliveredBody, EVENT_DATA, EVENT_TYPE, OCCURRED_AT } from "./fixtures";

/** A small linear congruential generator: the same choices on every run. */
function chooser(seed: number) {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return {
    pick: <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T,
    int: (from: number, to: number) => from + Math.floor(next() * (to - from + 1)),
  };
}

const PEOPLE = (
  "Mariana Souza; João Pereira; Ana Lima; Carlos Andrade; Beatriz Rocha; Rafael Costa; Luiza Martins; " +
  "Pedro Alves; Fernanda Gomes; Thiago Ribeiro"
).split("; ");
const ROLES = (
  "CFO; IT manager; procurement lead; legal counsel; operations director; plant manager; CISO; " +
  "head of sales"
).split("; ");
const TOPICS = (
  "SSO with their Azure AD tenant; the 40-seat annual plan; data residency in São Paulo; " +
  "an on-site training day; the ERP integration (SAP B1); volume pricing above 100 seats; " +
  "the security questionnaire; a 30-day pilot for the Campinas plant; invoicing in BRL with NF-e; " +
  "support hours and the SLA"
).split("; ");
const STEPS = (
  "send the revised quote; book a demo for the plant team; share the DPA draft; " +
  "loop in our solutions engineer; wait for the budget committee; confirm the pilot start date; " +
  "answer the remaining security questions; schedule a call with their reseller"
).split("; ");
const CITIES =
  "Campinas; Sorocaba; Jundiaí; Ribeirão Preto; São José dos Campos; Piracicaba; Santos; Limeira".split("; ");
const FIELD_GROUPS =
  "billing; shipping; legal; it; marketing; finance; operations; support; partner; compliance".split("; ");

function customFields(pick: ReturnType<typeof chooser>): Record<string, string | number | boolean> {
  const fields: Record<string, string | number | boolean> = { ...EVENT_DATA.lead.custom_fields };
  for (const group of FIELD_GROUPS) {
    fields[`${group}_contact`] = pick.pick(PEOPLE);
    fields[`${group}_email`] = `${group}.${pick.int(10, 99)}@conformancia.example.com`;
    fields[`${group}_city`] = pick.pick(CITIES);
    fields[`${group}_budget_brl`] = pick.int(5, 900) * 1000;
    fields[`${group}_approved`] = pick.int(0, 1) === 1;
    fields[`${group}_reference`] =
      `${group.slice(0, 3).toUpperCase()}-${pick.int(1000, 9999)}-${pick.int(10, 99)}`;
  }
  return fields;
}

/** Words a salesperson's notes are made of; sentences are drawn from them freely, as notes differ. */
const WORDS = (
  "quote seats annual contract renewal pilot rollout plant warehouse budget committee approval " +
  "procurement review legal redlines security questionnaire SSO SAML SCIM audit logs retention " +
  "invoice NF-e BRL discount volume tier onboarding training workshop integration ERP SAP CRM " +
  "pipeline forecast champion blocker competitor incumbent migration timeline kickoff milestone " +
  "deadline shortlist demo trial sandbox feedback requirements scope headcount expansion region " +
  "data residency latency uptime SLA support escalation ticket reseller partner referral margin " +
  "payment terms net-30 net-60 purchase order signature countersigned draft revised final " +
  "stakeholders sponsor director manager engineer analyst consultant board quarter fiscal year " +
  "prefers wants asked confirmed declined postponed approved requested flagged promised expects " +
  "after before during until unless because although meanwhile otherwise however probably soon " +
  "urgent optional mandatory cheaper faster simpler safer larger smaller weekly monthly"
).split(" ");

function sentence(pick: ReturnType<typeof chooser>): string {
  const words = Array.from({ length: pick.int(10, 18) }, () => pick.pick(WORDS));
  const figure = `${pick.int(2, 480)} ${pick.pick(["seats", "users", "days", "sites", "licences"])}`;
  words.splice(pick.int(2, words.length - 1), 0, figure);
  const text = words.join(" ");
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

const two = (n: number) => String(n).padStart(2, "0");

function note(pick: ReturnType<typeof chooser>, n: number): Record<string, string> {
  const day = two(1 + ((n * 3) % 28));
  const id = Array.from({ length: 20 }, () => pick.pick([..."0123456789ABCDEFGHJKMNPQRSTVWXYZ"])).join("");
  return {
    id: `act_${id}`,
    at: `2026-01-${day}T${two(pick.int(8, 18))}:${two(pick.int(0, 59))}:00.000Z`,
    author: pick.pick(PEOPLE),
    text:
      `Call with ${pick.pick(PEOPLE)} (${pick.pick(ROLES)}), ${pick.pick(CITIES)} office, about ` +
      `${pick.pick(TOPICS)}. ${sentence(pick)} ${sentence(pick)} Next: ${pick.pick(STEPS)}.`,
  };
}

/** The delivered body of the bench's 1 KB event, in bytes: what the 10 KB event is 9 KB more than. */
const ONE_KB_BODY = Buffer.byteLength(deliveredBody("evt_000000"));

/**
 * The lead with ten times the custom fields (6 + 60) and its notes as a list of call notes, as many as
 * bring the delivered body to 9 KB more than the 1 KB event's (about 10 KB).
 */
export function largeLeadData(): Record<string, unknown> {
  const pick = chooser(20_260_215);
  const data = {
    ...EVENT_DATA,
    lead: { ...EVENT_DATA.lead, custom_fields: customFields(pick) },
    notes: [] as Record<string, string>[],
  };
  const size = () =>
    Buffer.byteLength(JSON.stringify({ id: "evt_000000", type: EVENT_TYPE, created_at: OCCURRED_AT, data }));
  while (size() < ONE_KB_BODY + 9 * 1024) data.notes.push(note(pick, data.notes.length));
  return data;
}
