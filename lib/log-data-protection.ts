/**
 * CloudWatch Logs data protection for the function log groups: a backstop behind the redacting
 * logger (`src/observability/redact.ts`). Whatever slips past redaction and matches one of these
 * identifiers is masked in the log group (readers without `logs:Unmask` see `****`). The custom
 * identifiers follow the same token shapes the redaction module scrubs.
 */
import * as logs from 'aws-cdk-lib/aws-logs';

/** Custom identifiers: name → regex (CloudWatch allows 10 per policy, 200 characters each). */
export const CUSTOM_LOG_IDENTIFIERS: Readonly<Record<string, string>> = {
  BearerToken: String.raw`Bearer\s+[A-Za-z0-9._~+/=-]{8,}`,
  JsonWebToken: String.raw`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`,
  SimulacraClaimToken: String.raw`cred_[A-Za-z0-9]{8,}`,
  SignedUrlParameter: String.raw`(sig|signature|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token)=[^\s&"']+`,
  ClientSecretValue: String.raw`client_secret"?\s*[:=]\s*"?[^\s",}]+`,
};

/** Managed identifiers: AWS secret keys, private keys, and e-mail addresses (customer rows). */
export const MANAGED_LOG_IDENTIFIERS: readonly logs.DataIdentifier[] = [
  logs.DataIdentifier.AWSSECRETKEY,
  logs.DataIdentifier.OPENSSHPRIVATEKEY,
  logs.DataIdentifier.PGPPRIVATEKEY,
  logs.DataIdentifier.EMAILADDRESS,
];

/** The data protection policy of a function log group. */
export function functionLogDataProtectionPolicy(): logs.DataProtectionPolicy {
  return new logs.DataProtectionPolicy({
    name: 'simulacra-pipeline-function-logs',
    description:
      'Masks credentials, tokens, signed URL parameters and e-mail addresses that escape redaction.',
    identifiers: [
      ...MANAGED_LOG_IDENTIFIERS,
      ...Object.entries(CUSTOM_LOG_IDENTIFIERS).map(
        ([name, regex]) => new logs.CustomDataIdentifier(name, regex),
      ),
    ],
  });
}
