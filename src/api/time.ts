/**
 * @module api/time
 *
 * metav1.Time on the wire: RFC 3339 at seconds precision ("2024-05-01T12:00:00Z"), as upstream
 * serializes it. (MicroTime, as in Lease renewTime or events.k8s.io eventTime, is not this.)
 */

/** `date` as a metav1.Time string. */
export const metaTime = (date = new Date()): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
