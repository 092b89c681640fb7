import { describePreviousMark } from './previous-mark';

describePreviousMark(false);
