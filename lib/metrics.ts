import { Duration } from 'aws-cdk-lib';

/** Every alarm and dashboard graph looks at 5-minute sums (or statistics), one period at a time. */
export const PERIOD = Duration.minutes(5);
