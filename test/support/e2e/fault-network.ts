/**
 * A tap on `globalThis.fetch` (which the vendor client calls for every exchange) for the fault
 * matrix: it records the vendor's error answers (status and problem code) and can rewrite answers
 * in flight the way a hostile network or a compromised artifact store would: flip a bit of the
 * enterprise ciphertext (of every artifact, or of the next one only), or name a foreign tenant in
 * the envelope's encryption context.
 */

/** How the tap rewrites vendor answers. */
export type Tamper = 'none' | 'artifact-bytes' | 'artifact-bytes-once' | 'encryption-context';

/** One error answer from the vendor (API or artifact store). */
export interface VendorErrorAnswer {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** The problem+json `code`, when the body had one. */
  readonly code: string | null;
}

export interface VendorNetworkTap {
  /** The rewrite applied from now on. */
  tamper: Tamper;
  /** Error answers seen since the last {@link VendorNetworkTap.reset}. */
  readonly errors: readonly VendorErrorAnswer[];
  /** Forgets the recorded answers and stops tampering. */
  reset(): void;
  /** Puts the original `fetch` back. */
  uninstall(): void;
}

/** Origins whose answers the tap inspects: the vendor API and (enterprise) its artifact store. */
export interface VendorOrigins {
  readonly apiBase: string;
  readonly storageBase: string;
}

function requestOf(input: Parameters<typeof fetch>[0], init?: RequestInit): { method: string; url: URL } {
  if (input instanceof Request) return { method: input.method, url: new URL(input.url) };
  return { method: init?.method ?? 'GET', url: new URL(String(input)) };
}

async function problemCode(response: Response): Promise<string | null> {
  if (!/json/.test(response.headers.get('content-type') ?? '')) return null;
  try {
    const body = (await response.clone().json()) as { code?: unknown };
    return typeof body.code === 'string' ? body.code : null;
  } catch {
    return null;
  }
}

/**
 * Flips the high bit of the first ciphertext byte. AES-GCM decrypts it to the same flip in the
 * first plaintext byte (a header letter becomes a non-ASCII byte), so the CSV keeps its shape and
 * only the authentication tag can reveal the change.
 */
async function flipFirstByteHighBit(response: Response): Promise<Response> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  bytes[0] = (bytes[0] ?? 0) ^ 0x80;
  return new Response(bytes, { status: response.status, headers: response.headers });
}

async function foreignEncryptionContext(response: Response): Promise<Response> {
  const body = (await response.json()) as {
    artifact_encryption?: { encryption_context?: Record<string, string> };
  };
  const context = body.artifact_encryption?.encryption_context;
  if (context) context.tenant_id = 'ten_someone_else';
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(JSON.stringify(body), { status: response.status, headers });
}

/** Installs the tap over `globalThis.fetch`; `origins` is read per request. */
export function tapVendorNetwork(origins: () => VendorOrigins): VendorNetworkTap {
  const realFetch = globalThis.fetch;
  const errors: VendorErrorAnswer[] = [];
  const tap: VendorNetworkTap = {
    tamper: 'none',
    errors,
    reset() {
      errors.length = 0;
      tap.tamper = 'none';
    },
    uninstall() {
      globalThis.fetch = realFetch;
    },
  };
  globalThis.fetch = async (input, init) => {
    const response = await realFetch(input, init);
    const { method, url } = requestOf(input, init);
    const { apiBase, storageBase } = origins();
    const fromStore = storageBase !== '' && url.origin === new URL(storageBase).origin;
    if (!fromStore && url.origin !== new URL(apiBase).origin) return response;
    if (response.status >= 400) {
      errors.push({ method, path: url.pathname, status: response.status, code: await problemCode(response) });
      return response;
    }
    if (tap.tamper === 'artifact-bytes' && fromStore) return flipFirstByteHighBit(response);
    if (tap.tamper === 'artifact-bytes-once' && fromStore) {
      tap.tamper = 'none';
      return flipFirstByteHighBit(response);
    }
    if (tap.tamper === 'encryption-context' && /^\/v1\/generations\/[^/]+$/.test(url.pathname)) {
      return foreignEncryptionContext(response);
    }
    return response;
  };
  return tap;
}
