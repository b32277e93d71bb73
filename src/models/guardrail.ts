/**
 * {@link Guardrail}: a standalone Amazon Bedrock guardrail check (the ApplyGuardrail API) for
 * prompts and answers, with typed findings, the masked text and the units billed.
 *
 * @module
 */
import type {
  ApplyGuardrailCommandInput,
  ApplyGuardrailCommandOutput,
  BedrockRuntimeClient,
  GuardrailAssessment,
  GuardrailContentBlock,
  GuardrailUsage as SdkGuardrailUsage,
} from "@aws-sdk/client-bedrock-runtime";
import { z } from "zod";
import {
  type AwsClientConfig,
  awsCall,
  FmopsError,
  parseOptions,
  redact,
  withDeadline,
} from "../core/index.js";
import {
  awsClientConfigShape,
  awsClientSchema,
  bedrockRuntimeSdk,
  clientConfigFrom,
  lazyAwsClient,
  schemaFor,
} from "../core/internal.js";

const SERVICE = "BedrockRuntime";
const DEFAULT_TIMEOUT_MS = 30_000;

/** Options for {@link Guardrail}. */
export interface GuardrailOptions extends AwsClientConfig {
  /** The guardrail's id (`gr1abc2def3g`) or ARN. */
  guardrailId: string;
  /** Its version: a number such as `"1"`, or `"DRAFT"`. */
  guardrailVersion: string;
  /** A ready client; preferred, so connections and credentials are shared. */
  client?: BedrockRuntimeClient;
  /**
   * `INTERVENTIONS` (the service's default) reports only what the guardrail acted on; `FULL`
   * also reports filters that ran and found nothing (useful to see grounding scores that passed).
   */
  outputScope?: "INTERVENTIONS" | "FULL";
  /** Default deadline of one check in milliseconds. Default 30 000. */
  timeoutMs?: number;
}

/** Options of one {@link Guardrail.check}. */
export interface GuardrailCheckOptions {
  /** `INPUT` for a user's prompt, `OUTPUT` for a model's answer. */
  source: "INPUT" | "OUTPUT";
  /** Cancels the check. */
  signal?: AbortSignal;
  /** Deadline of this check in milliseconds; default the guardrail's `timeoutMs`. */
  timeoutMs?: number;
  /**
   * Contextual grounding: the passages the answer must be grounded in. Sent as one
   * `grounding_source` block (passages joined by a blank line). Needs `query`.
   */
  groundingSource?: string | readonly string[];
  /** Contextual grounding and relevance: the question the answer responds to. Needs `groundingSource`. */
  query?: string;
}

/** A content filter (hate, insults, sexual, violence, misconduct, prompt attack) that matched. */
export interface ContentFilterFinding {
  /** Always `"contentFilter"`: tells this finding apart from the other {@link GuardrailFinding}s. */
  kind: "contentFilter";
  /** `HATE`, `INSULTS`, `SEXUAL`, `VIOLENCE`, `MISCONDUCT` or `PROMPT_ATTACK`. */
  type: string;
  /** How sure the classifier is: `NONE`, `LOW`, `MEDIUM`, `HIGH`. */
  confidence: string;
  /** The filter's configured strength, when reported. */
  filterStrength?: string;
  /** `BLOCKED` or `NONE`. */
  action: string;
  /** Whether the filter detected the content (false for filters reported with `outputScope: FULL`). */
  detected?: boolean;
}

/** A denied topic that matched. */
export interface DeniedTopicFinding {
  /** Always `"deniedTopic"`: tells this finding apart from the other {@link GuardrailFinding}s. */
  kind: "deniedTopic";
  /** The topic's name as configured. */
  name: string;
  /** Always `DENY` today. */
  type: string;
  /** `BLOCKED` or `NONE`. */
  action: string;
  /** Whether the topic was detected. */
  detected?: boolean;
}

/** A custom blocked word, or a word from a managed list (`PROFANITY`). */
export interface WordFinding {
  /** `"customWord"` for a word from the guardrail's own list, `"managedWord"` for one from a managed list. */
  kind: "customWord" | "managedWord";
  /** The word found. */
  match: string;
  /** The managed list, for `managedWord`: `PROFANITY`. */
  type?: string;
  /** `BLOCKED` or `NONE`. */
  action: string;
  /** Whether the word was detected. */
  detected?: boolean;
}

/** A PII entity (e-mail, phone, name, card number, ...) found by the sensitive-information policy. */
export interface PiiEntityFinding {
  /** Always `"piiEntity"`: tells this finding apart from the other {@link GuardrailFinding}s. */
  kind: "piiEntity";
  /** The entity type, e.g. `EMAIL`, `PHONE`, `US_SOCIAL_SECURITY_NUMBER`. */
  type: string;
  /** The text that matched. */
  match: string;
  /** `BLOCKED`, `ANONYMIZED` (masked in the output text) or `NONE`. */
  action: string;
  /** Whether the entity was detected. */
  detected?: boolean;
}

/** A custom regex of the sensitive-information policy that matched. */
export interface RegexFinding {
  /** Always `"regex"`: tells this finding apart from the other {@link GuardrailFinding}s. */
  kind: "regex";
  /** The regex's configured name. */
  name?: string;
  /** The text that matched. */
  match?: string;
  /** The pattern. */
  regex?: string;
  /** `BLOCKED`, `ANONYMIZED` or `NONE`. */
  action: string;
  /** Whether the regex matched. */
  detected?: boolean;
}

/** A contextual grounding or relevance score compared with its threshold. */
export interface ContextualGroundingFinding {
  /** Always `"contextualGrounding"`: tells this finding apart from the other {@link GuardrailFinding}s. */
  kind: "contextualGrounding";
  /** `GROUNDING` (answer supported by the source) or `RELEVANCE` (answer addresses the query). */
  type: string;
  /** The score, 0 to 1. */
  score: number;
  /** The configured threshold; a score below it fails. */
  threshold: number;
  /** `BLOCKED` or `NONE`. */
  action: string;
  /** Whether the score fell below the threshold. */
  detected?: boolean;
}

/** One thing the guardrail found, discriminated by `kind`. */
export type GuardrailFinding =
  | ContentFilterFinding
  | DeniedTopicFinding
  | WordFinding
  | PiiEntityFinding
  | RegexFinding
  | ContextualGroundingFinding;

/** Text units the check was billed for, per policy (one unit is up to 1000 characters). */
export interface GuardrailUsage {
  /** Text units checked by the denied-topic policy; 0 when the service reports none. */
  topicPolicyUnits: number;
  /** Text units checked by the content-filter policy; 0 when the service reports none. */
  contentPolicyUnits: number;
  /** Text units checked by the word policy (custom and managed words); 0 when the service reports none. */
  wordPolicyUnits: number;
  /** Text units checked by the sensitive-information (PII) policy; 0 when the service reports none. */
  sensitiveInformationPolicyUnits: number;
  /**
   * Text units of the sensitive-information policy that the service reports as free of charge;
   * 0 when it reports none.
   */
  sensitiveInformationPolicyFreeUnits: number;
  /** Text units checked by the contextual grounding policy; 0 when the service reports none. */
  contextualGroundingPolicyUnits: number;
  /** Images checked by the content policy, when reported. */
  contentPolicyImageUnits?: number;
  /** Automated reasoning units, when reported. */
  automatedReasoningPolicyUnits?: number;
}

/** The service's measurements of the check, from the assessment's `invocationMetrics`. */
export interface GuardrailInvocationMetrics {
  /** Milliseconds the guardrail took on the service side. */
  processingLatencyMs?: number;
  /** Units, as in {@link GuardrailUsage}. */
  usage?: GuardrailUsage;
  /** Characters checked out of characters sent. */
  textCharacters?: {
    /** Characters the guardrail checked; absent when the service does not say. */
    guarded?: number;
    /** Characters sent in the request; absent when the service does not say. */
    total?: number;
  };
}

/** The outcome of {@link Guardrail.check}. */
export interface GuardrailResult {
  /** `GUARDRAIL_INTERVENED` when the guardrail blocked or masked something. */
  action: "NONE" | "GUARDRAIL_INTERVENED";
  /**
   * The text to use: the original when nothing happened, the masked text when only
   * sensitive information was anonymized, the configured blocked message when blocked.
   */
  text: string;
  /**
   * Whether the text was refused (some finding's action is `BLOCKED`, or the guardrail intervened
   * without saying why), as opposed to only masked.
   */
  blocked: boolean;
  /** What the guardrail found, in the service's order. */
  findings: GuardrailFinding[];
  /** The service's reason, when it gives one. */
  actionReason?: string;
  /** Units billed. */
  usage: GuardrailUsage;
  /** The assessment's own metrics (latency, units, coverage), when reported. */
  invocationMetrics?: GuardrailInvocationMetrics;
}

/**
 * A guardrail refused a prompt or an answer. `code` is `GUARDRAIL_INTERVENED`; the findings say
 * which policy fired. The message names the policies, never the refused text.
 */
export class GuardrailInterventionError extends FmopsError {
  /** Whether the prompt (`INPUT`) or the answer (`OUTPUT`) was refused. */
  readonly source: "INPUT" | "OUTPUT";
  /** What the guardrail found. */
  readonly findings: GuardrailFinding[];
  /** The guardrail's blocked message, suitable to show to the user. */
  readonly blockedMessage: string;

  constructor(source: "INPUT" | "OUTPUT", result: GuardrailResult) {
    const what = source === "INPUT" ? "prompt" : "answer";
    const policies = [...new Set(result.findings.map(describeFinding))].join(", ");
    super(
      "GUARDRAIL_INTERVENED",
      `The guardrail blocked the ${what}${policies ? ` (${policies})` : ""}. Show the user the guardrail's message (error.blockedMessage) or rephrase; retrying the same text gives the same result.`,
    );
    this.source = source;
    this.findings = result.findings;
    this.blockedMessage = redact(result.text, 500);
  }
}

function describeFinding(f: GuardrailFinding): string {
  switch (f.kind) {
    case "contentFilter":
      return `content filter ${f.type}`;
    case "deniedTopic":
      return `denied topic "${redact(f.name, 60)}"`;
    case "customWord":
    case "managedWord":
      return "word filter";
    case "piiEntity":
      return `sensitive information ${f.type}`;
    case "regex":
      return `sensitive information regex${f.name ? ` "${redact(f.name, 60)}"` : ""}`;
    case "contextualGrounding":
      return `contextual ${f.type.toLowerCase()} score ${f.score} below ${f.threshold}`;
  }
}

const optionsSchema = schemaFor<GuardrailOptions>()(
  z
    .object({
      ...awsClientConfigShape,
      guardrailId: z.string().min(1).max(2048),
      guardrailVersion: z
        .string()
        .regex(/^(([1-9][0-9]{0,7})|(DRAFT))$/, 'must be a version number or "DRAFT"'),
      client: awsClientSchema<BedrockRuntimeClient>("BedrockRuntimeClient").optional(),
      outputScope: z.enum(["INTERVENTIONS", "FULL"]).optional(),
      timeoutMs: z.int().positive().optional(),
    })
    .strict(),
);

const checkSchema = schemaFor<GuardrailCheckOptions>()(
  z
    .object({
      source: z.enum(["INPUT", "OUTPUT"]),
      signal: z.instanceof(AbortSignal).optional(),
      timeoutMs: z.int().positive().optional(),
      groundingSource: z
        .union([z.string().min(1), z.array(z.string()).min(1).readonly()])
        .optional(),
      query: z.string().min(1).optional(),
    })
    .strict()
    .refine((o) => (o.groundingSource === undefined) === (o.query === undefined), {
      message: "contextual grounding needs both groundingSource and query",
      path: ["query"],
    }),
);

/**
 * An Amazon Bedrock guardrail applied to any text, independently of a model call (the
 * ApplyGuardrail API): screen a user's prompt before it reaches a model, or an answer before it
 * reaches the user, whatever produced it. Findings are typed per policy (content filters, denied
 * topics, word filters, PII entities and regexes, contextual grounding and relevance), and
 * `text` is the text to use: masked when sensitive information was anonymized, the guardrail's
 * blocked message when it refused.
 *
 * To check that a RAG answer is grounded in its passages, pass them as `groundingSource` and the
 * question as `query` (the guardrail needs a contextual grounding policy).
 *
 * @example
 * ```ts
 * const guardrail = new Guardrail({ guardrailId: "gr1abc2def3g", guardrailVersion: "1", region: "us-east-1" });
 * const result = await guardrail.check(userText, { source: "INPUT" });
 * if (result.blocked) return result.text; // the guardrail's blocked message
 * const prompt = result.text; // PII masked, e.g. "Mail me at {EMAIL}"
 * ```
 */
export class Guardrail {
  /** `bedrock-guardrail:<guardrailId>:<guardrailVersion>`. */
  readonly id: string;
  readonly #options: GuardrailOptions;
  readonly #bedrock;

  constructor(options: GuardrailOptions) {
    this.#options = parseOptions(optionsSchema, options, "Guardrail options");
    const config = clientConfigFrom(this.#options);
    this.#bedrock = lazyAwsClient(
      bedrockRuntimeSdk,
      "Guardrail",
      this.#options.client,
      (sdk) => new sdk.BedrockRuntimeClient(config),
    );
    this.id = `bedrock-guardrail:${this.#options.guardrailId}:${this.#options.guardrailVersion}`;
  }

  /**
   * Applies the guardrail to `text` once.
   *
   * @throws {@link core!ValidationError} for empty text or inconsistent grounding options (before
   *   any call); {@link core!AwsServiceError} / {@link core!PermissionDeniedError}
   *   (`bedrock:ApplyGuardrail`) from the service; {@link core!TimeoutError} /
   *   {@link core!AbortedError} when the deadline passes or the signal fires.
   */
  async check(text: string, options: GuardrailCheckOptions): Promise<GuardrailResult> {
    parseOptions(z.string().min(1, "must not be empty"), text, "Guardrail.check text");
    const o = parseOptions(checkSchema, options, "Guardrail.check options");
    const content: GuardrailContentBlock[] = [];
    if (o.groundingSource !== undefined && o.query !== undefined) {
      const passages =
        typeof o.groundingSource === "string" ? o.groundingSource : o.groundingSource.join("\n\n");
      content.push(
        { text: { text: passages, qualifiers: ["grounding_source"] } },
        { text: { text: o.query, qualifiers: ["query"] } },
        { text: { text, qualifiers: ["guard_content"] } },
      );
    } else {
      content.push({ text: { text } });
    }
    const input: ApplyGuardrailCommandInput = {
      guardrailIdentifier: this.#options.guardrailId,
      guardrailVersion: this.#options.guardrailVersion,
      source: o.source,
      content,
    };
    if (this.#options.outputScope) input.outputScope = this.#options.outputScope;
    const output: ApplyGuardrailCommandOutput = await withDeadline(
      { signal: o.signal, timeoutMs: o.timeoutMs ?? this.#options.timeoutMs },
      DEFAULT_TIMEOUT_MS,
      `waiting for Bedrock guardrail "${this.#options.guardrailId}"`,
      (signal) =>
        awsCall(
          { service: SERVICE, operation: "ApplyGuardrail", iamAction: "bedrock:ApplyGuardrail" },
          async () => {
            const { sdk, client } = await this.#bedrock();
            return client.send(new sdk.ApplyGuardrailCommand(input), { abortSignal: signal });
          },
        ),
    );
    return resultOf(output, text);
  }

  /**
   * Checks `text` and returns the text to use (the original, or with sensitive information
   * masked), or throws {@link GuardrailInterventionError} when the guardrail blocked it. The
   * pre/post step behind {@link withGuardrail}, `RagChain`'s and `Text2Sql`'s `guardrail` option.
   */
  async enforce(text: string, options: GuardrailCheckOptions): Promise<string> {
    const result = await this.check(text, options);
    if (result.blocked) throw new GuardrailInterventionError(options.source, result);
    return result.text;
  }
}

function resultOf(output: ApplyGuardrailCommandOutput, original: string): GuardrailResult {
  if (output.action !== "NONE" && output.action !== "GUARDRAIL_INTERVENED") {
    throw new FmopsError(
      "UNEXPECTED_RESPONSE",
      `Bedrock ApplyGuardrail returned the action "${String(output.action)}", which fmops does not know; upgrade fmops or check the guardrail.`,
    );
  }
  const findings = (output.assessments ?? []).flatMap(findingsOf);
  const intervened = output.action === "GUARDRAIL_INTERVENED";
  const outputs = (output.outputs ?? []).map((o) => o.text ?? "");
  const acted = findings.filter((f) => f.action !== "NONE");
  // Only masking when every finding that acted was ANONYMIZED; anything else (or an
  // intervention with no finding we can read, such as automated reasoning) is a refusal.
  const blocked =
    intervened && (acted.length === 0 || acted.some((f) => f.action !== "ANONYMIZED"));
  const result: GuardrailResult = {
    action: output.action,
    text: intervened && outputs.length > 0 ? outputs.join("") : original,
    blocked,
    findings,
    usage: usageOf(output.usage),
  };
  if (output.actionReason !== undefined) result.actionReason = output.actionReason;
  const metrics = output.assessments?.find((a) => a.invocationMetrics)?.invocationMetrics;
  if (metrics) {
    const m: GuardrailInvocationMetrics = {};
    if (metrics.guardrailProcessingLatency !== undefined)
      m.processingLatencyMs = metrics.guardrailProcessingLatency;
    if (metrics.usage) m.usage = usageOf(metrics.usage);
    if (metrics.guardrailCoverage?.textCharacters)
      m.textCharacters = { ...metrics.guardrailCoverage.textCharacters };
    result.invocationMetrics = m;
  }
  return result;
}

function usageOf(u: SdkGuardrailUsage | undefined): GuardrailUsage {
  const usage: GuardrailUsage = {
    topicPolicyUnits: u?.topicPolicyUnits ?? 0,
    contentPolicyUnits: u?.contentPolicyUnits ?? 0,
    wordPolicyUnits: u?.wordPolicyUnits ?? 0,
    sensitiveInformationPolicyUnits: u?.sensitiveInformationPolicyUnits ?? 0,
    sensitiveInformationPolicyFreeUnits: u?.sensitiveInformationPolicyFreeUnits ?? 0,
    contextualGroundingPolicyUnits: u?.contextualGroundingPolicyUnits ?? 0,
  };
  if (u?.contentPolicyImageUnits !== undefined)
    usage.contentPolicyImageUnits = u.contentPolicyImageUnits;
  if (u?.automatedReasoningPolicyUnits !== undefined)
    usage.automatedReasoningPolicyUnits = u.automatedReasoningPolicyUnits;
  return usage;
}

/** Drops undefined optional fields so findings compare and print cleanly. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function findingsOf(a: GuardrailAssessment): GuardrailFinding[] {
  const out: GuardrailFinding[] = [];
  for (const f of a.contentPolicy?.filters ?? []) {
    out.push(
      defined<ContentFilterFinding>({
        kind: "contentFilter",
        type: String(f.type),
        confidence: String(f.confidence),
        filterStrength: f.filterStrength,
        action: String(f.action),
        detected: f.detected,
      }),
    );
  }
  for (const t of a.topicPolicy?.topics ?? []) {
    out.push(
      defined<DeniedTopicFinding>({
        kind: "deniedTopic",
        name: String(t.name),
        type: String(t.type),
        action: String(t.action),
        detected: t.detected,
      }),
    );
  }
  for (const w of a.wordPolicy?.customWords ?? []) {
    out.push(
      defined<WordFinding>({
        kind: "customWord",
        match: String(w.match),
        action: String(w.action),
        detected: w.detected,
      }),
    );
  }
  for (const w of a.wordPolicy?.managedWordLists ?? []) {
    out.push(
      defined<WordFinding>({
        kind: "managedWord",
        match: String(w.match),
        type: w.type,
        action: String(w.action),
        detected: w.detected,
      }),
    );
  }
  for (const p of a.sensitiveInformationPolicy?.piiEntities ?? []) {
    out.push(
      defined<PiiEntityFinding>({
        kind: "piiEntity",
        type: String(p.type),
        match: String(p.match),
        action: String(p.action),
        detected: p.detected,
      }),
    );
  }
  for (const r of a.sensitiveInformationPolicy?.regexes ?? []) {
    out.push(
      defined<RegexFinding>({
        kind: "regex",
        name: r.name,
        match: r.match,
        regex: r.regex,
        action: String(r.action),
        detected: r.detected,
      }),
    );
  }
  for (const g of a.contextualGroundingPolicy?.filters ?? []) {
    out.push(
      defined<ContextualGroundingFinding>({
        kind: "contextualGrounding",
        type: String(g.type),
        score: Number(g.score),
        threshold: Number(g.threshold),
        action: String(g.action),
        detected: g.detected,
      }),
    );
  }
  return out;
}
