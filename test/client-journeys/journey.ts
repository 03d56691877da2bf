/**
 * The journey every generated client runs against the live app (test/generated-clients.e2e-spec.ts).
 * The files of this folder are compiled with `tsc --strict` together with the code each generator
 * writes into test/generated/ (gitignored), so they are excluded from the project's tsconfig.json.
 */
export interface JourneyInput {
  baseUrl: string;
  email: string;
  password: string;
  /** Known to the fake Stripe the app talks to. */
  testSecretKey: string;
  testPublishableKey: string;
  /** Sees every response (a clone), e.g. to check it against the committed spec. */
  observe(method: string, url: string, response: Response): Promise<void>;
}

export interface JourneyResult {
  statuses: string[];
  email: string | undefined;
  tokenType: string | undefined;
  projectId: string;
  maskedAfterPut: string | null | undefined;
  maskedOnGet: string | null | undefined;
  validation: { valid: boolean; message: string } | undefined;
  testWebhookUrl: string | undefined;
  activeAfterDelete: boolean | undefined;
}

export function fail(step: string, status: number, body: unknown): never {
  throw new Error(`${step}: HTTP ${status} ${JSON.stringify(body)}`);
}
