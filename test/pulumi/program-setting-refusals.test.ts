import { describeSettingRefusals } from './program-setting-refusals';

describeSettingRefusals(false);
