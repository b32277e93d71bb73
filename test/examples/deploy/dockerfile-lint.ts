/**
 * A small Dockerfile linter with the rules a SageMaker serving image must follow, used to check
 * the custom container's Dockerfile (and, with broken variants, to check the linter itself).
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

/** One instruction: keyword, arguments, and the line it starts on. */
export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Joins `\`-continued lines, drops comments and blank lines. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending: Instruction | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line.startsWith("#") || (line === "" && !pending)) return;
    const continued = line.endsWith("\\");
    const body = continued ? line.slice(0, -1).trim() : line;
    if (pending) {
      pending.args = `${pending.args} ${body}`.trim();
    } else {
      const match = /^(\S+)\s*(.*)$/.exec(body);
      pending = { keyword: (match?.[1] ?? "").toUpperCase(), args: match?.[2] ?? "", line: i + 1 };
    }
    if (!continued) {
      out.push(pending);
      pending = undefined;
    }
  });
  if (pending) out.push(pending);
  return out;
}

function execForm(args: string): string[] | undefined {
  try {
    const parsed = JSON.parse(args) as unknown;
    return Array.isArray(parsed) && parsed.every((a) => typeof a === "string") ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Problems found in a serving Dockerfile, each `line N: rule: message`. `contextDir` is the build
 * context, for checking that COPY sources exist.
 */
export function lintDockerfile(text: string, contextDir?: string): string[] {
  const problems: string[] = [];
  const add = (i: Instruction | undefined, rule: string, message: string) =>
    problems.push(`line ${i?.line ?? 0}: ${rule}: ${message}`);
  const instructions = parseDockerfile(text);
  const first = instructions.find((i) => i.keyword !== "ARG");
  if (first?.keyword !== "FROM") add(first, "from-first", "the first instruction must be FROM");
  for (const from of instructions.filter((i) => i.keyword === "FROM")) {
    const image = from.args.split(/\s+/)[0] ?? "";
    if (!/[:@]/.test(image.split("/").pop() ?? "") || image.endsWith(":latest")) {
      add(from, "pinned-base", `pin the base image to a tag or digest, not "${image}"`);
    }
  }
  if (
    !instructions.some((i) => i.keyword === "EXPOSE" && /(^|\s)8080(\/tcp)?(\s|$)/.test(i.args))
  ) {
    add(undefined, "expose-8080", "SageMaker sends traffic to port 8080: EXPOSE 8080");
  }
  const entry = [...instructions].reverse().find((i) => i.keyword === "ENTRYPOINT");
  const cmd = [...instructions].reverse().find((i) => i.keyword === "CMD");
  const launcher = entry ?? cmd;
  if (!launcher) {
    add(
      undefined,
      "serve-entrypoint",
      "set ENTRYPOINT so `docker run <image> serve` starts the server",
    );
  } else {
    const argv = execForm(launcher.args);
    if (!argv) add(launcher, "exec-form", `${launcher.keyword} must use the JSON exec form`);
    else if (!argv.some((a) => /(^|\/)serve$/.test(a))) {
      add(launcher, "serve-entrypoint", `${launcher.keyword} must run the serve program`);
    }
  }
  for (const i of instructions) {
    if (i.keyword === "ADD" && /https?:\/\//i.test(i.args)) {
      add(
        i,
        "no-add-url",
        "ADD of a URL is unverified and uncached; download with a checksum in RUN",
      );
    }
    if (i.keyword === "RUN" && /(^|\s)sudo\s/.test(i.args)) add(i, "no-sudo", "do not use sudo");
    if (
      (i.keyword === "ENV" || i.keyword === "ARG") &&
      /(SECRET|PASSWORD|TOKEN|ACCESS_KEY)\w*\s*=/i.test(i.args)
    ) {
      add(i, "no-secrets", "credentials must not be baked into the image");
    }
    if (
      i.keyword === "RUN" &&
      /apt-get install/.test(i.args) &&
      !/--no-install-recommends/.test(i.args)
    ) {
      add(i, "apt-slim", "apt-get install needs --no-install-recommends");
    }
    if (
      (i.keyword === "COPY" || i.keyword === "ADD") &&
      contextDir &&
      !i.args.startsWith("--from")
    ) {
      const parts = i.args.split(/\s+/).filter((p) => !p.startsWith("--"));
      for (const source of parts.slice(0, -1)) {
        if (!existsSync(join(contextDir, source))) {
          add(i, "copy-source", `"${source}" is not in the build context`);
        }
      }
    }
  }
  const user = [...instructions].reverse().find((i) => i.keyword === "USER");
  if (!user || /^(root|0)(:|$)/.test(user.args)) {
    add(user, "non-root", "run the server as a non-root USER");
  }
  return problems;
}
