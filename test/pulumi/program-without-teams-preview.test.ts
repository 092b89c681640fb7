import { describeProgramWithoutTeams } from './program-without-teams';

describeProgramWithoutTeams(true);
