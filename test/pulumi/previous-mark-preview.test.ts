import { describePreviousMark } from './previous-mark';

describePreviousMark(true);
