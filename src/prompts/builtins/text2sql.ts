/**
 * Built-in text-to-SQL prompts: generate a query from a question and a schema, and correct a
 * query from the engine's error message.
 *
 * `Text2Sql` fills `schema`, `history`, `sql` and `error` with text fenced as untrusted data
 * (`fenceUntrusted`), and `question` with the user's question on one line; it appends the
 * security rule naming the fences to the system prompt itself, so a replacement template needs
 * no fence text of its own.
 *
 * @module
 */
import type { PromptDefinition } from "../template.js";

/** `fmops.text2sql.generate`: question + schema -> one read-only SQL query in a fenced block. */
export const text2sqlGenerate: PromptDefinition = {
  id: "fmops.text2sql.generate",
  version: "1",
  description: "Write one read-only SQL query answering a question over the given tables.",
  tags: ["fmops", "text2sql"],
  system: `You translate questions into {{dialect}} SQL.

Rules:
- Use only the tables and columns listed in the schema. Never guess a column name.
- Write a single read-only statement (SELECT or WITH ... SELECT). Never modify data.
- Qualify columns with table aliases when more than one table is involved.
- If the schema cannot answer the question, reply with exactly UNANSWERABLE and one sentence saying what is missing.

Reply with the query in one \`\`\`sql fenced block and nothing else.`,
  text: `Schema:
{{schema}}

{{examples}}

{{history}}

Question: {{question}}`,
  variables: {
    dialect: {
      description: "SQL dialect, e.g. Athena (Trino) or DuckDB",
      default: "ANSI",
      maxLength: 40,
    },
    schema: {
      description: "Tables with their columns, types and comments, fenced as untrusted data",
      minLength: 1,
    },
    question: { description: "The user's question, on one line", minLength: 1, maxLength: 4000 },
    examples: { description: "Optional worked question/SQL pairs (trusted text)", default: "" },
    history: {
      description:
        "Optional earlier turns: each speaker's name on its own line, then the turn fenced",
      default: "",
    },
  },
  modelHints: { inferenceConfig: { temperature: 0, maxTokens: 1024 } },
};

/** `fmops.text2sql.correct`: a failed query and the engine's error -> a corrected query. */
export const text2sqlCorrect: PromptDefinition = {
  id: "fmops.text2sql.correct",
  version: "1",
  description: "Fix a SQL query that the engine rejected, using its error message.",
  tags: ["fmops", "text2sql"],
  system: `You repair {{dialect}} SQL queries. The query below was run and the engine rejected it.
Read the error, find its cause in the query, and return a corrected query that answers the same question.
Use only tables and columns from the schema, keep the query read-only, and change no more than the error requires.
If the question cannot be answered from the schema, reply with exactly UNANSWERABLE and one sentence of explanation.

Reply with the corrected query in one \`\`\`sql fenced block and nothing else.`,
  text: `Schema:
{{schema}}

{{history}}

Question: {{question}}

Query that failed:
{{sql}}

Engine error:
{{error}}`,
  variables: {
    dialect: { default: "ANSI", maxLength: 40 },
    schema: { description: "Tables, fenced as untrusted data", minLength: 1 },
    question: { description: "The user's question, on one line", minLength: 1, maxLength: 4000 },
    history: {
      description:
        "Optional earlier turns: each speaker's name on its own line, then the turn fenced",
      default: "",
    },
    sql: { description: "The query that failed, fenced as untrusted data", minLength: 1 },
    error: {
      description: "The engine's error message, fenced as untrusted data",
      minLength: 1,
      maxLength: 8000,
    },
  },
  modelHints: { inferenceConfig: { temperature: 0, maxTokens: 1024 } },
};
