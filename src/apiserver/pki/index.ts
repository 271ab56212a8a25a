/**
 * @module apiserver/pki
 *
 * Certificates for the API server: the cluster CA, the serving certificate, client certificates,
 * and kubeconfigs that carry them. `ensurePki` is what a start calls; the rest is for callers
 * that issue credentials later (node agents) or need the file layout (the doctor).
 */
export {
  CA_COMMON_NAME,
  CA_VALIDITY_DAYS,
  LEAF_VALIDITY_DAYS,
  SERVING_COMMON_NAME,
  createCertificateAuthority,
  issueClientCertificate,
  issueServingCertificate,
  type CertificateAuthority,
  type ClientCertificateOptions,
  type CreateCaOptions,
  type IssuedCertificate,
  type ServingCertificateOptions,
} from './certificates.js';
export {
  ADMIN_GROUP,
  ADMIN_USER,
  ensurePki,
  pkiPaths,
  type EnsurePkiOptions,
  type Pki,
  type PkiComponent,
  type PkiPaths,
} from './ensure.js';
export { PkiError, PkiErrorCode, isPkiError, pkiErrors } from './errors.js';
export { DEFAULT_SERVING_HOSTS, servingSubjectAltNames, type SubjectAltNames } from './hosts.js';
export { RENEW_BEFORE_MS } from './inspect.js';
export { renderKubeconfig, writeKubeconfig, type KubeconfigOptions } from './kubeconfig.js';
