import { describeLastTeamSecrets } from './program-last-team-secrets';

describeLastTeamSecrets(false);
