/**
 * A scripted Bedrock guardrail for the Bedrock Runtime stand-in's ApplyGuardrail route: a few
 * deterministic policies (denied topics by keyword, custom words, an e-mail PII entity, named
 * regexes, contextual grounding and relevance by word overlap) that answer in ApplyGuardrail's
 * real response shape, so fmops's `Guardrail` is tested against what the SDK parses from AWS.
 *
 * The scores are not Bedrock's (its grounding model is not available here); what matters for the
 * tests is the wire format and the rules that decide the action: any BLOCKED finding replaces the
 * output with the blocked message, ANONYMIZED findings alone return the masked text, and no
 * finding returns `NONE` with no outputs.
 *
 * @module
 */
import { type StandInError, standInError } from "./http.js";

/** The JSON body of an ApplyGuardrail request as sent on the wire (restJson1). */
export interface ApplyGuardrailWireRequest {
  source?: string;
  content?: { text?: { text?: string; qualifiers?: string[] }; image?: unknown }[];
  outputScope?: string;
  [field: string]: unknown;
}

/** What an ApplyGuardrail handler receives. */
export interface ApplyGuardrailStandInRequest {
  /** From the path, URL-decoded. */
  guardrailIdentifier: string;
  /** From the path. */
  guardrailVersion: string;
  headers: Record<string, string>;
  body: ApplyGuardrailWireRequest;
}

/** Policies of one scripted guardrail. */
export interface ScriptedGuardrailPolicy {
  /** The only identifier the stand-in knows; others get ResourceNotFoundException. */
  guardrailId: string;
  /** The only version it knows. */
  guardrailVersion: string;
  /** Denied topics: a text mentioning any of the words (case-insensitive) is blocked. */
  deniedTopics?: { name: string; words: string[] }[];
  /** Custom blocked words (whole words, case-insensitive). */
  customWords?: string[];
  /** Managed profanity list, reduced to these words. */
  profanity?: string[];
  /** The EMAIL PII entity, found by a simple address pattern. */
  email?: "BLOCKED" | "ANONYMIZED";
  /** Named regexes, masked as `{name}` when ANONYMIZED. */
  regexes?: { name: string; regex: string; action: "BLOCKED" | "ANONYMIZED" }[];
  /** Contextual grounding: blocks an answer whose grounding score is below the threshold. */
  groundingThreshold?: number;
  /** Contextual relevance: blocks an answer whose relevance score is below the threshold. */
  relevanceThreshold?: number;
  /** Default "Sorry, the model cannot answer this question." */
  blockedInputMessaging?: string;
  /** Default "Sorry, the model cannot answer this question." */
  blockedOutputsMessaging?: string;
}

const BLOCKED_MESSAGE = "Sorry, the model cannot answer this question.";
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

const words = (text: string): string[] => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];

/** Share of `text`'s distinct words that also occur in `reference`, rounded to two places. */
function overlap(text: string, reference: string): number {
  const mine = new Set(words(text));
  if (mine.size === 0) return 0;
  const theirs = new Set(words(reference));
  let shared = 0;
  for (const w of mine) if (theirs.has(w)) shared++;
  return Math.round((shared / mine.size) * 100) / 100;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const wordPattern = (word: string) => new RegExp(`\\b${escapeRegex(word)}\\b`, "i");

/** One unit is up to 1000 characters, as Bedrock bills text. */
const unitsOf = (chars: number) => Math.max(1, Math.ceil(chars / 1000));

/**
 * Applies `policy` to an ApplyGuardrail request and returns the response JSON (or the error the
 * service would send).
 */
export function applyScriptedGuardrail(
  policy: ScriptedGuardrailPolicy,
  request: ApplyGuardrailStandInRequest,
): Record<string, unknown> | StandInError {
  if (
    request.guardrailIdentifier !== policy.guardrailId ||
    request.guardrailVersion !== policy.guardrailVersion
  ) {
    return standInError({
      status: 404,
      type: "ResourceNotFoundException",
      message: `The specified guardrail ${request.guardrailIdentifier} with version ${request.guardrailVersion} was not found.`,
    });
  }
  const { source, content } = request.body;
  if (source !== "INPUT" && source !== "OUTPUT") {
    return standInError({
      status: 400,
      type: "ValidationException",
      message: "1 validation error detected: Value at 'source' failed to satisfy constraint.",
    });
  }
  if (!Array.isArray(content) || content.length === 0) {
    return standInError({
      status: 400,
      type: "ValidationException",
      message: "1 validation error detected: Value at 'content' failed to satisfy constraint.",
    });
  }
  const blocks = content.map((c) => ({
    text: c.text?.text ?? "",
    qualifiers: c.text?.qualifiers ?? [],
  }));
  const qualified = (q: string) =>
    blocks
      .filter((b) => b.qualifiers.includes(q))
      .map((b) => b.text)
      .join("\n");
  // With any qualifier present only guard_content is guarded; without, every block is.
  const anyQualified = blocks.some((b) => b.qualifiers.length > 0);
  const guarded = anyQualified
    ? blocks.filter((b) => b.qualifiers.includes("guard_content"))
    : blocks;
  const text = guarded.map((b) => b.text).join("\n");
  const totalChars = blocks.reduce((n, b) => n + b.text.length, 0);

  const assessment: Record<string, unknown> = {};
  let blocked = false;
  let masked = text;
  let anonymized = false;

  const topics = (policy.deniedTopics ?? [])
    .filter((t) => t.words.some((w) => wordPattern(w).test(text)))
    .map((t) => ({ name: t.name, type: "DENY", action: "BLOCKED", detected: true }));
  if (topics.length > 0) {
    assessment.topicPolicy = { topics };
    blocked = true;
  }

  const customWords = (policy.customWords ?? [])
    .filter((w) => wordPattern(w).test(text))
    .map((w) => ({ match: w, action: "BLOCKED", detected: true }));
  const managedWordLists = (policy.profanity ?? [])
    .filter((w) => wordPattern(w).test(text))
    .map((w) => ({ match: w, type: "PROFANITY", action: "BLOCKED", detected: true }));
  if (customWords.length + managedWordLists.length > 0) {
    assessment.wordPolicy = { customWords, managedWordLists };
    blocked = true;
  }

  const piiEntities: Record<string, unknown>[] = [];
  const regexes: Record<string, unknown>[] = [];
  if (policy.email) {
    for (const match of text.match(EMAIL) ?? []) {
      piiEntities.push({ match, type: "EMAIL", action: policy.email, detected: true });
    }
    if (policy.email === "ANONYMIZED") masked = masked.replace(EMAIL, "{EMAIL}");
  }
  for (const r of policy.regexes ?? []) {
    const pattern = new RegExp(r.regex, "g");
    for (const match of text.match(pattern) ?? []) {
      regexes.push({ name: r.name, match, regex: r.regex, action: r.action, detected: true });
    }
    if (r.action === "ANONYMIZED") masked = masked.replace(pattern, `{${r.name}}`);
  }
  if (piiEntities.length + regexes.length > 0) {
    assessment.sensitiveInformationPolicy = { piiEntities, regexes };
    if ([...piiEntities, ...regexes].some((f) => f.action === "BLOCKED")) blocked = true;
    else anonymized = true;
  }

  // Contextual grounding needs a grounding source and a query, and applies to model outputs.
  const groundingSource = qualified("grounding_source");
  const query = qualified("query");
  if (source === "OUTPUT" && groundingSource && query) {
    const filters: Record<string, unknown>[] = [];
    if (policy.groundingThreshold !== undefined) {
      const score = overlap(text, groundingSource);
      const below = score < policy.groundingThreshold;
      filters.push({
        type: "GROUNDING",
        threshold: policy.groundingThreshold,
        score,
        action: below ? "BLOCKED" : "NONE",
        detected: below,
      });
    }
    if (policy.relevanceThreshold !== undefined) {
      const score = overlap(query, text);
      const below = score < policy.relevanceThreshold;
      filters.push({
        type: "RELEVANCE",
        threshold: policy.relevanceThreshold,
        score,
        action: below ? "BLOCKED" : "NONE",
        detected: below,
      });
    }
    const failed = filters.filter((f) => f.action === "BLOCKED");
    // The service reports a grounding filter only when it intervened (outputScope INTERVENTIONS).
    const reported = request.body.outputScope === "FULL" ? filters : failed;
    if (reported.length > 0) assessment.contextualGroundingPolicy = { filters: reported };
    if (failed.length > 0) blocked = true;
  }

  const units = unitsOf(text.length);
  const usage = {
    topicPolicyUnits: policy.deniedTopics ? units : 0,
    contentPolicyUnits: 0,
    wordPolicyUnits: policy.customWords || policy.profanity ? units : 0,
    sensitiveInformationPolicyUnits: policy.regexes ? units : 0,
    sensitiveInformationPolicyFreeUnits: policy.email ? units : 0,
    contextualGroundingPolicyUnits:
      groundingSource && (policy.groundingThreshold ?? policy.relevanceThreshold) !== undefined
        ? unitsOf(totalChars)
        : 0,
    contentPolicyImageUnits: 0,
  };
  const coverage = { textCharacters: { guarded: text.length, total: totalChars } };
  assessment.invocationMetrics = {
    guardrailProcessingLatency: 7,
    usage,
    guardrailCoverage: coverage,
  };
  const intervened = blocked || anonymized;
  const message =
    source === "INPUT"
      ? (policy.blockedInputMessaging ?? BLOCKED_MESSAGE)
      : (policy.blockedOutputsMessaging ?? BLOCKED_MESSAGE);
  const response: Record<string, unknown> = {
    usage,
    action: intervened ? "GUARDRAIL_INTERVENED" : "NONE",
    outputs: intervened ? [{ text: blocked ? message : masked }] : [],
    assessments: [assessment],
    guardrailCoverage: coverage,
  };
  if (intervened) response.actionReason = blocked ? "Guardrail blocked." : "Guardrail masked.";
  return response;
}
