/**
 * Who reads the store. A clinician sees identities; a researcher sees cases pseudonymised: no notes (free
 * text), no birth date or year (an age band instead), and cannot record them.
 */
export const roles = ['clinician', 'researcher'] as const;
export type Role = (typeof roles)[number];
