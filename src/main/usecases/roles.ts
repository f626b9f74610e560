/**
 * A department database's roles, managed by its owner: set up (the clinician and researcher groups, the
 * researcher's pseudonymised views) and granted to logins. The server enforces them from then on; the
 * store takes each login's role from the server when it opens (Store.open).
 */
import { checkedRole } from '../store/config.js';
import { grantDepartmentRole, setUpDepartmentRoles, type RolesSetup } from '../store/department-roles.js';
import { displayTarget, type StoreConfig } from '../store/config.js';

export type { RolesSetup };

export function setUpRoles(config: StoreConfig): RolesSetup & { database: string } {
  return { ...setUpDepartmentRoles(config.target), database: displayTarget(config.target) };
}

export function grantRole(
  config: StoreConfig,
  login: string,
  role: string,
): { schema: string; group: string; login: string; role: string } {
  const r = checkedRole(role);
  return { ...grantDepartmentRole(config.target, login, r), login, role: r };
}
