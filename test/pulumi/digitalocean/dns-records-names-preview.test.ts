import { describeDnsRecordsNames } from './dns-records-names';

describeDnsRecordsNames(true);
