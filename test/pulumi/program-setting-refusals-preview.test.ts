import { describeSettingRefusals } from './program-setting-refusals';

describeSettingRefusals(true);
