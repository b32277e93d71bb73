/**
 * Red-team findings against `redact` (fmops issue #16): credential forms that came through the
 * first version unchanged. Each row holds the secret parts that must not survive.
 */
import { describe, expect, it } from "vitest";
import { FmopsError, redact } from "../../src/core/errors.js";

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SIG = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024";
const TOKEN_LINE_2 = "MSJHMEUCIQDabcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

const cases: [string, string, string[]][] = [
  [
    "password in a URL",
    "connect https://alice:hunter2secret@db.example.com:5432/x",
    ["hunter2secret"],
  ],
  ["password in a database URL", "postgres://admin:p4ssw0rd@127.0.0.1/db failed", ["p4ssw0rd"]],
  [
    "RSA private key",
    "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7V\nabcdefghijk\n-----END RSA PRIVATE KEY-----\n",
    ["MIIEowIBAAKCAQEA7V", "abcdefghijk"],
  ],
  [
    "PKCS#8 private key",
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----",
    ["MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"],
  ],
  [
    "OpenSSH private key cut short",
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU",
    ["b3BlbnNzaC1rZXktdjEAAAAABG5vbmU"],
  ],
  [
    "session token wrapped over two lines",
    `aws_session_token: IQoJb3JpZ2luX2VjEHUaCXVzLWVhc3Qt\n${TOKEN_LINE_2}\nnext line`,
    [TOKEN_LINE_2],
  ],
  ["URL-encoded signature parameter", `url%3Fa%3D1%26Signature%3D${SIG}`, [SIG]],
  ["URL-encoded X-Amz-Signature", `X-Amz-Signature%3D${SIG}`, [SIG]],
  [
    "URL-encoded access token",
    "access_token%3Dya29a0AfH6SMBabcdefghijk",
    ["ya29a0AfH6SMBabcdefghijk"],
  ],
  [
    "URL-encoded bearer header",
    "Authorization%3A%20Bearer%20sometokenvalue123",
    ["sometokenvalue123"],
  ],
  ["secret key after its name and a space", `aws_secret_access_key ${SECRET}`, [SECRET]],
  [
    "GitHub fine-grained token",
    "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
    ["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345"],
  ],
  [
    "Google OAuth access token",
    "token ya29.a0AfH6SMBabcdefghijklmnopqrstuvwxyz",
    ["a0AfH6SMBabcdefghijklmnopqrstuvwxyz"],
  ],
  [
    "xAI key",
    "xai-abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz",
    ["abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"],
  ],
];

describe("redact: red-team credential forms", () => {
  it.each(cases)("removes %s", (_form, input, secrets) => {
    const out = redact(input, 100_000);
    for (const secret of secrets) expect(out, out).not.toContain(secret);
    expect(out).toContain("[redacted");
  });

  it("keeps URLs without a password and ordinary PEM certificates' headers readable", () => {
    const text = "GET https://bucket.s3.amazonaws.com/key@v2 from user@example.com";
    expect(redact(text, 100_000)).toBe(text);
  });

  it("finishes on a megabyte of adversarial text", () => {
    const pieces = [
      "-----BEGIN PRIVATE KEY-----",
      "a://b:",
      "%3D",
      "Signature%3D",
      `IQoJb3JpZ2lu${"A".repeat(20)}\n`,
      "password=",
      "x".repeat(50),
    ];
    let text = "";
    for (let i = 0; text.length < 1_000_000; i++) text += pieces[i % pieces.length];
    expect(redact(text, 100).length).toBeLessThan(200);
  });

  it("redacts secrets deep in causes, aggregate errors and details", () => {
    const inner = new Error(`connect https://alice:hunter2secret@db.example.com failed`);
    const aggregate = new AggregateError(
      [new Error("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC")],
      "two failures",
    );
    const err = new FmopsError("UNEXPECTED_ERROR", "wrapped", {
      retryable: false,
      cause: new Error("outer", { cause: new Error("middle", { cause: inner }) }),
    });
    const err2 = new FmopsError("UNEXPECTED_ERROR", "wrapped", {
      retryable: false,
      cause: aggregate,
    });
    for (const e of [err, err2]) {
      const printed = [String(e), e.stack, JSON.stringify(e), e.message].join("\n");
      expect(printed).not.toContain("hunter2secret");
      expect(printed).not.toContain("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC");
    }
  });
});
