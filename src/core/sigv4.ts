/**
 * SigV4 signing for AWS endpoints that fmops calls over plain `fetch` rather than through an
 * AWS SDK client (SageMaker managed MLflow's REST API). Hashing runs on WebCrypto, so it works
 * unchanged on Node 20+, Deno and browsers.
 *
 * @module
 */
import type { SignatureV4 } from "@smithy/signature-v4";
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  Checksum,
  SourceData,
} from "@smithy/types";
import { credentialProviderNodeSdk, signatureV4Sdk } from "./aws-sdk.js";

/** RFC 3986 escaping as SigV4 canonicalises it: spaces as `%20`, and `!'()*` escaped too. */
export function escapeUriComponent(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

const encoder = new TextEncoder();

function toBytes(data: SourceData): Uint8Array<ArrayBuffer> {
  if (typeof data === "string") return encoder.encode(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  const view = data as ArrayBufferView;
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
}

/** SHA-256 and HMAC-SHA-256 for the signer, on WebCrypto. */
class WebCryptoSha256 implements Checksum {
  readonly #secret: Uint8Array<ArrayBuffer> | undefined;
  #chunks: Uint8Array<ArrayBuffer>[] = [];

  constructor(secret?: SourceData) {
    this.#secret = secret === undefined ? undefined : toBytes(secret);
  }

  update(chunk: Uint8Array): void {
    this.#chunks.push(toBytes(chunk));
  }

  async digest(): Promise<Uint8Array> {
    const total = this.#chunks.reduce((n, c) => n + c.byteLength, 0);
    const data = new Uint8Array(total);
    let at = 0;
    for (const c of this.#chunks) {
      data.set(c, at);
      at += c.byteLength;
    }
    const subtle = globalThis.crypto.subtle;
    if (this.#secret === undefined) return new Uint8Array(await subtle.digest("SHA-256", data));
    const key = await subtle.importKey(
      "raw",
      this.#secret,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    return new Uint8Array(await subtle.sign("HMAC", key, data));
  }

  reset(): void {
    this.#chunks = [];
  }
}

/**
 * `credentials` as a provider; without them, the AWS SDK's default chain (environment,
 * profile, SSO, container or instance role), imported on first use.
 */
function credentialProvider(
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider,
): AwsCredentialIdentityProvider {
  if (typeof credentials === "function") return credentials;
  if (credentials !== undefined) return async () => credentials;
  let chain: Promise<AwsCredentialIdentityProvider> | undefined;
  return async () => {
    chain ??= credentialProviderNodeSdk
      .load("SigV4 signing with the default credential chain")
      .then((m) => m.defaultProvider() as AwsCredentialIdentityProvider);
    return (await chain)();
  };
}

/** One HTTP request to sign. */
export interface SigV4Request {
  /** The HTTP method. */
  method: string;
  /** The full URL (its query string is ignored: pass the parameters in `query`). */
  url: URL;
  /** The query parameters, unescaped. */
  query: Record<string, string>;
  /** The headers to send and sign (without `host`, which comes from `url`). */
  headers: Record<string, string>;
  /** The body, when there is one. */
  body?: Uint8Array | undefined;
}

/** Signs requests for one service and region (SigV4, with `x-amz-content-sha256`). */
export class SigV4Signer {
  readonly #options: ConstructorParameters<typeof SignatureV4>[0];
  #signer: Promise<SignatureV4> | undefined;

  constructor(options: {
    service: string;
    region: string;
    credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  }) {
    this.#options = {
      service: options.service,
      region: options.region,
      credentials: credentialProvider(options.credentials),
      sha256: WebCryptoSha256,
      applyChecksum: true,
      uriEscapePath: true,
    };
  }

  /** The signer, built on the first request (so that its package loads only when needed). */
  #load(): Promise<SignatureV4> {
    this.#signer ??= signatureV4Sdk.load("SigV4 signing").then(
      (sdk) => new sdk.SignatureV4(this.#options),
      (err: unknown) => {
        this.#signer = undefined;
        throw err;
      },
    );
    return this.#signer;
  }

  /** The headers to send: the request's own plus the signature's, without `host`. */
  async sign(request: SigV4Request): Promise<Record<string, string>> {
    const { url } = request;
    const signer = await this.#load();
    const signed = await signer.sign({
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === "" ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query: request.query,
      headers: { ...request.headers, host: url.host },
      body: request.body,
    });
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers)) {
      if (name.toLowerCase() !== "host") out[name] = value;
    }
    return out;
  }
}
