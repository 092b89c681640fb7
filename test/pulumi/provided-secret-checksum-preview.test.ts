import { describeProvidedSecretChecksums } from './provided-secret-checksum';

describeProvidedSecretChecksums(true);
