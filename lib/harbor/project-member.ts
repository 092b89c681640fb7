import { invalid } from '../core';
import { LONE_SURROGATE } from '../core/toml';

/**
 * A role in a Harbor project, by Harbor's name for it. The configuration Job gives Harbor its role id (goharbor/harbor
 * v2.15.1 src/common/const.go:37-41).
 */
export enum ProjectRole {
  /** Everything in the project, its members and settings included (role id 1). */
  PROJECT_ADMIN = 'projectAdmin',
  /** Push, pull and delete images, and manage the project's scans, tags and retention (role id 4). */
  MAINTAINER = 'maintainer',
  /** Push and pull images (role id 2). */
  DEVELOPER = 'developer',
  /** Pull images and read the project (role id 3). */
  GUEST = 'guest',
  /** Pull images, without seeing the project's members or logs (role id 5). */
  LIMITED_GUEST = 'limitedGuest',
}

/**
 * The longest group name Harbor stores: `user_group.group_name` is `varchar(255)` (goharbor/harbor v2.15.1
 * make/migrations/postgresql/0001_initial_schema.up.sql:124).
 */
export const MAX_GROUP_NAME = 255;

/** A member of a Harbor project declared in code (`ProjectOptions.members`). */
export class ProjectMember {
  /**
   * Every user whose OIDC groups claim holds `group`, with `role`. Harbor compares the claim's values as they are
   * (case included, no prefix: goharbor/harbor v2.15.1 src/pkg/oidc/helper.go:406-443) and only after
   * `HarborOidcOptions.groupFilter` kept them. Harbor makes the group itself, so it may be declared before anyone in
   * it has logged in; it needs the Harbor's `oidc` to be set, as Harbor only makes groups in OIDC mode.
   *
   * @param group the group's name as the identity provider puts it in the claim, e.g. `platform-team`
   * @param role what its users may do in the project
   */
  public static oidcGroup(group: string, role: ProjectRole): ProjectMember {
    // a lone surrogate is no character of a JSON claim (RFC 8259 §8.1: UTF-8), and the configuration Job
    // percent-encodes the name to list the project's members of it (configure.js `listMembers`), which throws on one
    if (typeof group !== 'string' || group === '' || group.length > MAX_GROUP_NAME || /[\p{Cc}]/u.test(group) || LONE_SURROGATE.test(group)) {
      invalid('group', group, `must be the group's name as the OIDC groups claim gives it: 1 to ${MAX_GROUP_NAME} characters, without control ` +
        'characters or lone UTF-16 surrogates');
    }
    if (!Object.values(ProjectRole).includes(role)) {
      invalid('role', role, `must be a ProjectRole: ${Object.keys(ProjectRole).map((k) => `ProjectRole.${k}`).join(', ')}`);
    }
    return new ProjectMember(group, role);
  }

  private constructor(
    /** The OIDC group's name. */
    public readonly group: string,
    /** Its role in the project. */
    public readonly role: ProjectRole,
  ) {}
}
