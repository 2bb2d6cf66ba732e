// The Crossdock REST API client: openapi-fetch over the types openapi-typescript
// generates from the gateway's OpenAPI 3.1 document (src/schema.ts), so every path,
// parameter, body and answer is checked by the compiler.

import createClient, { type Client, type ClientOptions, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type * from "./schema.js";

/** The error body of every failed call (google.rpc.Status). */
export type ApiError = components["schemas"]["Status"];

/** A client of the whole API; call it as `client.GET("/v1/listings", {...})`. */
export type CrossdockClient = Client<paths>;

/** Where the API is and how to authenticate. */
export interface CrossdockClientOptions extends Omit<ClientOptions, "baseUrl"> {
  /** The gateway's URL, e.g. "http://127.0.0.1:8080"; "" for the page's own origin. */
  baseUrl: string;
  /**
   * Gives the access token for each call, or undefined to call without one (the
   * public routes). Called per request, so a refreshed token is picked up.
   */
  accessToken?: () => string | undefined | Promise<string | undefined>;
}

/** Creates a client; with accessToken, every call carries `Authorization: Bearer`. */
export function createCrossdockClient(options: CrossdockClientOptions): CrossdockClient {
  const { accessToken, ...rest } = options;
  const client = createClient<paths>(rest);
  if (accessToken) client.use(bearer(accessToken));
  return client;
}

function bearer(accessToken: () => string | undefined | Promise<string | undefined>): Middleware {
  return {
    async onRequest({ request }) {
      const token = await accessToken();
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
  };
}

/**
 * Whether a call's error is the API's error body. An answer that is not (an HTML
 * 502 from a proxy while the gateway restarts, say) reaches `error` as its raw text,
 * whatever the types say.
 */
export function isApiError(error: unknown): error is ApiError {
  return typeof error === "object" && error !== null && Array.isArray((error as { details?: unknown }).details);
}

/**
 * The fields a 400 answer names as wrong, with why: {"parcel.weightG": "must be
 * positive"}; none for an error that is not the API's error body.
 */
export function fieldViolations(error: ApiError | unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isApiError(error)) return out;
  for (const detail of error.details) {
    if (typeof detail === "object" && detail !== null && "fieldViolations" in detail && Array.isArray(detail.fieldViolations)) {
      for (const v of detail.fieldViolations) out[v.field] = v.description;
    }
  }
  return out;
}
