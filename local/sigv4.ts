/**
 * @module
 * SigV4 verification for the local front door's IAM routes (docs/operators-api.md). On AWS,
 * API Gateway's IAM authorizer checks these signatures; locally this module
 * does, by signing the request again with the SignatureV4 the AWS SDK signs
 * with, over the headers the caller signed, at the caller's own x-amz-date, and
 * comparing the two signatures in constant time. Refusals name what is wrong,
 * never a secret or the expected signature.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { signableQuery } from "../client/admin";

export interface SigV4Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface SigV4VerifierOptions {
  /** The one key the verifier accepts. */
  readonly credentials: SigV4Credentials;
  readonly region: string;
  readonly service: string;
  /** How far x-amz-date may be from the clock, either way; AWS allows 5 minutes. */
  readonly toleranceMs?: number;
  readonly now?: () => Date;
}

/** A request as it arrived: the path still percent-encoded, header names in lower case. */
export interface SignedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** Who signed a request the verifier accepted. */
export interface SigV4Caller {
  readonly accessKeyId: string;
}

export type SigV4Verifier = (request: SignedRequest) => Promise<SigV4Caller>;

/** Why a signature was refused; the message is safe to send back. */
export class SignatureVerificationError extends Error {
  override readonly name = "SignatureVerificationError";
}

export interface SigV4Authorization {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

const ALGORITHM = "AWS4-HMAC-SHA256";
const SCOPE_TERMINATOR = "aws4_request";
const DEFAULT_TOLERANCE_MS = 5 * 60_000;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

const refuse = (message: string): never => {
  throw new SignatureVerificationError(message);
};

/** `AWS4-HMAC-SHA256 Credential=<akid>/<yyyymmdd>/<region>/<service>/aws4_request, SignedHeaders=a;b, Signature=<hex>` */
export function parseAuthorization(header: string | undefined): SigV4Authorization {
  if (!header) return refuse(`missing Authorization: sign the request with SigV4 (${ALGORITHM})`);
  if (/^Bearer\s/i.test(header)) {
    return refuse("an API key does not authorize the operators' API; sign the request with SigV4 (IAM)");
  }
  if (!header.startsWith(`${ALGORITHM} `))
    return refuse(`the Authorization header is not a ${ALGORITHM} signature`);
  const fields = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(",")) {
    const [name, ...value] = part.trim().split("=");
    if (name) fields.set(name, value.join("="));
  }
  const credential = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!credential || !signedHeaders || !signature) {
    return refuse("the Authorization header needs Credential, SignedHeaders and Signature");
  }
  const [accessKeyId, date, region, service, terminator, ...rest] = credential.split("/");
  if (!accessKeyId || !date || !region || !service || terminator !== SCOPE_TERMINATOR || rest.length) {
    return refuse(`Credential must be <access key id>/<yyyymmdd>/<region>/<service>/${SCOPE_TERMINATOR}`);
  }
  if (!/^[0-9a-f]{64}$/.test(signature)) return refuse("Signature must be 64 lower-case hex digits");
  return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(";"), signature };
}

function parseAmzDate(value: string | undefined): Date {
  const parts = AMZ_DATE.exec(value ?? "");
  if (!parts) return refuse("x-amz-date must be a signed header of the form yyyymmddThhmmssZ");
  const [, year, month, day, hour, minute, second] = parts;
  const date = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}Z`);
  if (Number.isNaN(date.getTime())) return refuse("x-amz-date is not a valid time");
  return date;
}

export function sigV4Verifier(options: SigV4VerifierOptions): SigV4Verifier {
  const { credentials, region, service } = options;
  const toleranceMs = options.toleranceMs ?? DEFAULT_TOLERANCE_MS;
  const now = options.now ?? (() => new Date());
  // applyChecksum off: only what the caller signed goes into the canonical request.
  const signer = new SignatureV4({
    credentials,
    region,
    service,
    sha256: Hash.bind(null, "sha256"),
    applyChecksum: false,
  });

  return async (request) => {
    const auth = parseAuthorization(request.headers.authorization);
    if (auth.accessKeyId !== credentials.accessKeyId)
      refuse(`the access key id ${auth.accessKeyId} is not known here`);
    if (auth.region !== region)
      refuse(`the signature is for region ${auth.region}; this API is in ${region}`);
    if (auth.service !== service) refuse(`the signature is for service ${auth.service}; sign for ${service}`);
    for (const required of ["host", "x-amz-date"]) {
      if (!auth.signedHeaders.includes(required)) refuse(`SignedHeaders must include ${required}`);
    }
    const headers: Record<string, string> = {};
    for (const name of auth.signedHeaders) {
      const value = request.headers[name];
      if (value === undefined) return refuse(`the signed header ${name} is not in the request`);
      headers[name] = value;
    }

    const signedAt = parseAmzDate(headers["x-amz-date"]);
    if (headers["x-amz-date"]?.slice(0, 8) !== auth.date)
      refuse("the credential scope's date is not x-amz-date's");
    const skewSeconds = Math.round((now().getTime() - signedAt.getTime()) / 1000);
    if (Math.abs(skewSeconds) * 1000 > toleranceMs) {
      refuse(
        `the signature is stale: x-amz-date is ${skewSeconds} s from now (at most ${toleranceMs / 1000} s)`,
      );
    }
    // A signed body hash stands in for the body in the canonical request, so it must be the body's.
    const bodyHash = request.headers["x-amz-content-sha256"];
    if (bodyHash !== undefined && bodyHash !== createHash("sha256").update(request.body).digest("hex")) {
      refuse("x-amz-content-sha256 is not the SHA-256 of the body");
    }

    const expected = await signer.sign(
      {
        method: request.method,
        protocol: "http:",
        hostname: headers.host ?? "",
        path: request.path,
        query: signableQuery(request.query),
        headers,
        body: request.body,
      },
      { signingDate: signedAt, signableHeaders: new Set(auth.signedHeaders) },
    );
    const recomputed = /Signature=([0-9a-f]{64})$/.exec(expected.headers.authorization ?? "")?.[1] ?? "";
    const given = Buffer.from(auth.signature, "hex");
    const wanted = Buffer.from(recomputed, "hex");
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      refuse(
        "the signature does not match: check the secret access key, and sign the method, path, query, headers and body that are sent",
      );
    }
    return { accessKeyId: auth.accessKeyId };
  };
}
