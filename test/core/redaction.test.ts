import { describe, expect, it } from "vitest";
import { redact } from "../../src/core/errors.js";

// Every form below has been seen in SDK errors, HTTP dumps, config files or logs. Each row names
// the secret parts; redact() must remove all of them and may keep the rest.
const AKID = "AKIAIOSFODNN7EXAMPLE";
const TEMP_AKID = "ASIAY34FZKBOKMUTVV7A";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SESSION =
  "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDf3ZmlvxkmOkQ7TBXq7bG9v3a0Qq";
const OLD_SESSION = "FwoGZXIvYXdzEBYaDHx1c2Vyc2Vzc2lvbnRva2VuMTIzNDU2Nzg5MA";
const SIG_V4 = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024";
const SIG_V2 = "vjbyPxybdZaNmGa%2ByT272YEAiv4%3D";
const SIG_V2_HEADER = "frJIUN8DYpKDtOLCwo//yllqDzg=";
const API_KEY = "k3y-9f8e7d6c5b4a3210";
const JWT =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

const cases: { form: string; input: string; secrets: string[] }[] = [
  {
    form: "SigV4 presigned URL (query)",
    input: `https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${AKID}%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=900&X-Amz-Security-Token=${encodeURIComponent(SESSION)}&X-Amz-SignedHeaders=host&X-Amz-Signature=${SIG_V4}`,
    secrets: [AKID, SESSION.slice(0, 30), SIG_V4.slice(0, 16)],
  },
  {
    form: "SigV2 presigned URL (query)",
    input: `https://b.s3.amazonaws.com/k?AWSAccessKeyId=${AKID}&Expires=1700000000&Signature=${SIG_V2}`,
    secrets: [AKID, "vjbyPxybdZaNmGa"],
  },
  {
    form: "SigV2 presigned URL with a non-AKIA key id",
    input: "http://127.0.0.1:4568/b/k?AWSAccessKeyId=team-key-0042&Signature=c2lnbmF0dXJl",
    secrets: ["team-key-0042", "c2lnbmF0dXJl"],
  },
  {
    form: "SigV4 Authorization header",
    input: `Authorization: AWS4-HMAC-SHA256 Credential=${AKID}/20240101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIG_V4}`,
    secrets: [AKID, SIG_V4.slice(0, 16)],
  },
  {
    form: "Credential=... with a temporary (ASIA) key id, outside a header",
    input: `request signed with Credential=${TEMP_AKID}/20240101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=${SIG_V4}`,
    secrets: [TEMP_AKID, SIG_V4.slice(0, 16)],
  },
  {
    form: "SigV2 Authorization header",
    input: `Authorization: AWS ${AKID}:${SIG_V2_HEADER}`,
    secrets: [AKID, "frJIUN8DYpKDtOLCwo"],
  },
  {
    form: "SigV2 header value without its name",
    input: `signed as AWS ${AKID}:${SIG_V2_HEADER} by the proxy`,
    secrets: [AKID, "frJIUN8DYpKDtOLCwo"],
  },
  {
    form: "headers as JSON",
    input: `{"authorization":"AWS4-HMAC-SHA256 Credential=${TEMP_AKID}/20240101/us-east-1/s3/aws4_request, Signature=${SIG_V4}","x-amz-security-token":"${SESSION}"}`,
    secrets: [TEMP_AKID, SIG_V4.slice(0, 16), SESSION.slice(0, 30)],
  },
  {
    form: "x-amz-security-token header",
    input: `x-amz-security-token: ${SESSION}\nhost: bedrock-runtime.us-east-1.amazonaws.com`,
    secrets: [SESSION.slice(0, 30)],
  },
  {
    form: "X-Amz-Security-Token query parameter",
    input: `?X-Amz-Security-Token=${OLD_SESSION}&X-Amz-Date=20240101T000000Z`,
    secrets: [OLD_SESSION.slice(0, 20)],
  },
  {
    form: "aws_session_token in a credentials file",
    input: `[default]\naws_access_key_id = ${TEMP_AKID}\naws_secret_access_key = ${SECRET}\naws_session_token = ${SESSION}\n`,
    secrets: [TEMP_AKID, SECRET, SESSION.slice(0, 30)],
  },
  {
    form: "environment variables",
    input: `AWS_ACCESS_KEY_ID=${AKID} AWS_SECRET_ACCESS_KEY=${SECRET} AWS_SESSION_TOKEN="${SESSION}"`,
    secrets: [AKID, SECRET, SESSION.slice(0, 30)],
  },
  {
    form: "STS credentials as JSON",
    input: `{"Credentials":{"AccessKeyId":"${TEMP_AKID}","SecretAccessKey":"${SECRET}","SessionToken":"${SESSION}","Expiration":"2024-01-01T00:00:00Z"}}`,
    secrets: [TEMP_AKID, SECRET, SESSION.slice(0, 30)],
  },
  {
    form: "SDK credentials as util.inspect prints them",
    input: `{ accessKeyId: 'team-key', secretAccessKey: 'short-secret', sessionToken: 'tok-123' }`,
    secrets: ["team-key", "short-secret", "tok-123"],
  },
  {
    form: "credentials as escaped JSON inside a JSON string",
    input: `{"detail":"{\\"sessionToken\\":\\"tok-456\\",\\"secretAccessKey\\":\\"sec-789\\"}"}`,
    secrets: ["tok-456", "sec-789"],
  },
  {
    form: "a bare temporary access key id",
    input: `The key ${TEMP_AKID} is not allowed`,
    secrets: [TEMP_AKID],
  },
  {
    form: "a bare session token",
    input: `token was ${SESSION} (expired)`,
    secrets: [SESSION.slice(0, 30)],
  },
  {
    form: "Authorization: Bearer",
    input: "Authorization: Bearer sk-abc123def456.ghi",
    secrets: ["sk-abc123def456"],
  },
  {
    form: "Authorization: Basic in JSON",
    input: '{"Authorization": "Basic dXNlcjpwYXNzd29yZA=="}',
    secrets: ["dXNlcjpwYXNzd29yZA"],
  },
  {
    form: "a bearer token in prose",
    input: `retrying with bearer ${JWT}`,
    secrets: ["SflKxwRJSMeKKF2QT4fw", "eyJzdWIiOiIxMjM0NTY3ODkwIn0"],
  },
  {
    form: "a bare JWT",
    input: `id ${JWT} rejected`,
    secrets: ["SflKxwRJSMeKKF2QT4fw"],
  },
  {
    form: "x-api-key header",
    input: `x-api-key: ${API_KEY}`,
    secrets: [API_KEY],
  },
  {
    form: "api_key query parameter",
    input: `GET /v1/models?api_key=${API_KEY}&page=2`,
    secrets: [API_KEY],
  },
  {
    form: "apiKey and api-key in JSON",
    input: `{"apiKey": "${API_KEY}", "api-key": "other-7788"}`,
    secrets: [API_KEY, "other-7788"],
  },
  {
    form: "OAuth tokens and client secrets",
    input: `access_token=at-1234567&refresh_token=rt-7654321&client_secret=cs-99887766`,
    secrets: ["at-1234567", "rt-7654321", "cs-99887766"],
  },
  {
    form: "a password",
    input: `{"user":"ana","password":"hunter2"}`,
    secrets: ["hunter2"],
  },
  {
    form: "a bare provider API key",
    input: "OpenAI said: Incorrect API key provided: sk-proj-Abcdefghijklmnopqrstuvwx1234",
    secrets: ["sk-proj-Abcdefghijklmnopqrstuvwx1234"],
  },
  {
    form: "cookie header",
    input: "cookie: session=abcdef0123456789; theme=dark",
    secrets: ["abcdef0123456789"],
  },
  {
    form: "S3 SignatureDoesNotMatch body (XML)",
    input: `<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message><AWSAccessKeyId>${AKID}</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256\n20240101T000000Z\n20240101/us-east-1/s3/aws4_request\n9c1b6c1ee7d0a9b0d1f0e2e3</StringToSign><SignatureProvided>${SIG_V4}</SignatureProvided><StringToSignBytes>41 57 53 34 2d</StringToSignBytes><CanonicalRequest>GET\n/b/k\n\nhost:127.0.0.1\nx-amz-security-token:${SESSION}\n\nhost;x-amz-security-token\nUNSIGNED-PAYLOAD</CanonicalRequest><CanonicalRequestBytes>47 45 54 0a</CanonicalRequestBytes></Error>`,
    secrets: [
      AKID,
      SIG_V4.slice(0, 16),
      SESSION.slice(0, 30),
      "9c1b6c1ee7d0a9b0",
      "41 57 53 34",
      "47 45 54 0a",
    ],
  },
  {
    form: "S3 SignatureDoesNotMatch fields (JSON)",
    input: `{"StringToSign":"AWS4-HMAC-SHA256\\n20240101T000000Z\\n9c1b6c1ee7d0a9b0","CanonicalRequest":"GET\\n/b/k\\nx-amz-security-token:${SESSION}","SignatureProvided":"${SIG_V4}"}`,
    secrets: ["9c1b6c1ee7d0a9b0", SESSION.slice(0, 30), SIG_V4.slice(0, 16)],
  },
  {
    form: "S3 SignatureDoesNotMatch fields (util.inspect)",
    input: `{ SignatureProvided: '${SIG_V4}', StringToSign: 'AWS4-HMAC-SHA256\\n9c1b6c1ee7d0a9b0', CanonicalRequest: 'GET\\nx-amz-security-token:${OLD_SESSION}' }`,
    secrets: [SIG_V4.slice(0, 16), "9c1b6c1ee7d0a9b0", OLD_SESSION.slice(0, 20)],
  },
];

describe("redact: every credential and signature form", () => {
  for (const { form, input, secrets } of cases) {
    it(`removes ${form}`, () => {
      const out = redact(input, 100_000);
      for (const secret of secrets) expect(out, `${form}: ${out}`).not.toContain(secret);
      expect(out).toContain("[redacted");
    });
  }

  it("removes them even when the text is then shortened", () => {
    for (const { input, secrets } of cases) {
      const out = redact(input);
      for (const secret of secrets) expect(out).not.toContain(secret);
    }
  });
});

// Text that only looks like a secret must survive, or error messages lose what the user needs.
const ordinary = [
  "Endpoint my-endpoint is not found in us-east-1.",
  "max_tokens=512 exceeds the model's limit; outputTokens: 12, inputTokens: 30",
  'data:{"token":{"id":5,"text":"Hi","special":false},"generated_text":null}',
  "The security token included in the request is invalid.",
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
  "Invalid options: credentials.secretAccessKey: Invalid input: expected string, received undefined",
  "Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z",
  "SignedHeaders=host;x-amz-date",
];

describe("redact: ordinary text", () => {
  for (const text of ordinary) {
    it(`keeps ${JSON.stringify(text.slice(0, 40))}…`, () => {
      expect(redact(text, 100_000)).toBe(text);
    });
  }
});
