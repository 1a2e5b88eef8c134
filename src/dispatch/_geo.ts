/** Mean Earth radius (IUGG), km. */
export const EARTH_RADIUS_KM = 6371.0088;
export const DEG = Math.PI / 180;

/**
 * Haversine great-circle distance in km. Takes the cosines of the latitudes precomputed
 * because the pool stores them per agent; callers that have none pass Math.cos(lat * DEG).
 */
export function haversineKm(
  lat1: number,
  lng1: number,
  cosLat1: number,
  lat2: number,
  lng2: number,
  cosLat2: number,
): number {
  const sLat = Math.sin((lat2 - lat1) * DEG * 0.5);
  const sLng = Math.sin((lng2 - lng1) * DEG * 0.5);
  const a = sLat * sLat + cosLat1 * cosLat2 * sLng * sLng;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}
