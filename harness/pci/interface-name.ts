/**
 * A Linux network interface name as sysfs lists it (IFNAMSIZ 16, so at most 15 characters): what
 * passbench lets reach ip(8) or a sysfs path. Anything else is never passed on.
 */
export const INTERFACE_NAME = /^[A-Za-z0-9_.-]{1,15}$/;
