import { describeProgramWithoutTeams } from './program-without-teams';

describeProgramWithoutTeams(false);
