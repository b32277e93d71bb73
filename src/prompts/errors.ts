/**
 * Errors of the prompt catalog. Each has a stable `code`; none is retryable, because repeating
 * the same call with the same catalog and values gives the same answer.
 *
 * @module
 */
import type { FmopsErrorCode } from "../core/index.js";
import { FmopsError, type FmopsErrorOptions, redact } from "../core/index.js";

/**
 * A variable given to a render is missing, undeclared, or breaks its declaration (type, length,
 * allowed values); or a template uses a variable it does not declare. Code: `PROMPT_VARIABLE_ERROR`.
 */
export class PromptVariableError extends FmopsError {
  /** The prompt id (and version) being rendered or defined. */
  readonly prompt: string;
  /** The offending variable names. */
  readonly variables: readonly string[];

  constructor(
    prompt: string,
    variables: readonly string[],
    message: string,
    options: FmopsErrorOptions = {},
  ) {
    super("PROMPT_VARIABLE_ERROR", message, { ...options, retryable: false });
    this.prompt = prompt;
    this.variables = variables;
  }
}

/**
 * A template string is malformed: a `{{` that does not open a valid `{{name}}` placeholder.
 * Code: `PROMPT_TEMPLATE_ERROR`. `line` and `column` are 1-based within the template text.
 */
export class PromptTemplateError extends FmopsError {
  /** 1-based line of the problem within the template text. */
  readonly line: number;
  /** 1-based column of the problem within that line. */
  readonly column: number;

  constructor(message: string, line: number, column: number, options: FmopsErrorOptions = {}) {
    super("PROMPT_TEMPLATE_ERROR", message, { ...options, retryable: false });
    this.line = line;
    this.column = column;
  }
}

/** What a {@link PromptNotFoundError} could not find. */
export type PromptNotFoundKind = "id" | "version" | "label";

const NOT_FOUND_CODES: Record<PromptNotFoundKind, FmopsErrorCode> = {
  id: "PROMPT_NOT_FOUND",
  version: "PROMPT_VERSION_NOT_FOUND",
  label: "PROMPT_LABEL_NOT_FOUND",
};

/**
 * A prompt id, version or label is not in the catalog. Code: `PROMPT_NOT_FOUND`,
 * `PROMPT_VERSION_NOT_FOUND` or `PROMPT_LABEL_NOT_FOUND`.
 */
export class PromptNotFoundError extends FmopsError {
  /** Which part of the lookup failed. */
  readonly kind: PromptNotFoundKind;

  constructor(kind: PromptNotFoundKind, message: string, options: FmopsErrorOptions = {}) {
    super(NOT_FOUND_CODES[kind], message, { ...options, retryable: false });
    this.kind = kind;
  }
}

/**
 * A version was registered again with a different body. Versions are immutable: register the
 * change under a new version. Code: `PROMPT_VERSION_IMMUTABLE`.
 */
export class PromptImmutableError extends FmopsError {
  /** The prompt id. */
  readonly id: string;
  /** The version that already exists. */
  readonly version: string;

  constructor(id: string, version: string, existingHash: string, newHash: string) {
    super(
      "PROMPT_VERSION_IMMUTABLE",
      `Prompt "${id}" version "${version}" is already registered with a different body (hash ${existingHash.slice(0, 12)}, new ${newHash.slice(0, 12)}). Versions are immutable: register the change under a new version.`,
      { retryable: false },
    );
    this.id = id;
    this.version = version;
  }
}

/**
 * A prompt file (YAML, Markdown front matter) or a JSON export could not be read. The message
 * names the file and, when known, the line. Code: `PROMPT_FILE_ERROR`.
 */
export class PromptFileError extends FmopsError {
  /** The file (or source name) that failed. */
  readonly file: string;
  /** 1-based line of the problem, when known. */
  readonly line: number | undefined;

  constructor(
    file: string,
    line: number | undefined,
    problem: string,
    options: FmopsErrorOptions = {},
  ) {
    const where = line === undefined ? file : `${file}:${line}`;
    super("PROMPT_FILE_ERROR", `${where}: ${redact(problem, 400)}`, {
      ...options,
      retryable: false,
    });
    this.file = file;
    this.line = line;
  }
}
