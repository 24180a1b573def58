/**
 * Kernel arguments for passbench's guest image (nested guests and the virtual lab's traffic host);
 * vm-images/README.md "Boot speed" has what each one bought.
 */
export const GUEST_APPEND: readonly string[] = ['console=ttyS0', 'quiet', 'mitigations=off', 'tsc=reliable', 'no_timer_check'];
