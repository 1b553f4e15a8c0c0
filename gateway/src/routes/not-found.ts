import { notFound } from "../errors.js";

// The same answers whether a name exists only for other orgs or not at all.
export const noMeasurement = (measurement: string, org: string) =>
  notFound(`measurement ${JSON.stringify(measurement)} has no data for org ${org}`);

export const noField = (measurement: string, fields: string[], org: string) =>
  notFound(
    `measurement ${JSON.stringify(measurement)} has no field ${fields.map((f) => JSON.stringify(f)).join(", ")} for org ${org}`,
  );
