import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

const CUSTOMER = "Tour Calendar Customer";
const THIS_MONTH = luxon.DateTime.now();
const NEXT_MONTH = THIS_MONTH.plus({ months: 1 });
// the call the test logged on the 10th of this month
const CALL = `.o_contact_calendar_row:contains(${CUSTOMER}) td[data-day='10'] .o_contact_letter.o_contact_done.o_contact_phone:contains(T)`;

registry.category("web_tour.tours").add("crm_customer_contact_calendar_tour", {
    steps: () => [
        ...stepUtils.goToAppSteps(
            "crm_customer_mgmt.menu_crm_customer_mgmt_root",
            "open Customer Management"
        ),
        {
            content: "open the contact calendar from the menu",
            trigger: ".o_menu_sections [data-menu-xmlid='crm_customer_mgmt.menu_crm_customer_mgmt_contact_calendar']",
            run: "click",
        },
        {
            content: "this month shows",
            trigger: `.o_contact_calendar_month:contains(${THIS_MONTH.toFormat("MMMM yyyy")})`,
        },
        { content: "the call is a T on the 10th", trigger: CALL },
        {
            content: "the call's note on hover",
            trigger: `${CALL}[data-tooltip*='Tour call']`,
        },
        { content: "next month", trigger: ".o_contact_calendar_next", run: "click" },
        {
            content: "next month shows",
            trigger: `.o_contact_calendar_month:contains(${NEXT_MONTH.toFormat("MMMM yyyy")})`,
        },
        {
            content: "no call in next month",
            trigger: `.o_contact_calendar_row:contains(${CUSTOMER}) td[data-day='10']:not(:has(.o_contact_letter))`,
        },
        { content: "back to today", trigger: ".o_contact_calendar_today", run: "click" },
        { content: "the call again", trigger: CALL },
    ],
});
