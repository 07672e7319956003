import { defineCalendarModels } from "@calendar/../tests/calendar_test_helpers";
import { beforeEach, describe, expect, test } from "@odoo/hoot";
import { queryAll, queryAllTexts, queryOne } from "@odoo/hoot-dom";
import { animationFrame, mockDate } from "@odoo/hoot-mock";
import {
    contains,
    getService,
    mockService,
    mountWebClient,
    onRpc,
} from "@web/../tests/web_test_helpers";

describe.current.tags("desktop");
defineCalendarModels();

const { DateTime } = luxon;

/** What get_contact_calendar answers for ``month``: two customers, a few contacts. */
function calendarData(month, { filters = {}, offset = 0, total = 2 } = {}) {
    const first = DateTime.fromFormat(month, "yyyy-MM");
    const days = [];
    for (let day = 1; day <= first.daysInMonth; day++) {
        days.push({ day, weekday: first.set({ day }).weekday - 1 });
    }
    return {
        month,
        days,
        today: "2025-03-15",
        customers: [
            {
                id: 11,
                name: "Hengda Trading",
                value_tier: "vip",
                stage: "Stable cooperation",
                user: "Rep One",
                days: {
                    3: [
                        { kind: "phone", letter: "T", note: "Buyer agreed", model: "mail.message", res_id: 101, planned: false },
                        { kind: "email", letter: "E", note: "Quote request", model: "mail.message", res_id: 102, planned: false },
                    ],
                    20: [
                        { kind: "meeting", letter: "M", note: "Visit: plant tour", model: "calendar.event", res_id: 301, planned: true },
                    ],
                },
            },
            {
                id: 12,
                name: "Jinhai Hardware",
                value_tier: "small",
                stage: false,
                user: false,
                days: {
                    20: [
                        { kind: "phone", letter: "T", note: "Follow up", model: "mail.activity", res_id: 401, planned: true },
                    ],
                },
            },
        ],
        total,
        offset,
        limit: 2,
        filters,
        options: {
            users: [[7, "Rep One"], [8, "Rep Two"]],
            value_tiers: [["vip", "VIP"], ["key", "Key"], ["ordinary", "Ordinary"], ["small", "Small"]],
            stages: [[3, "Stable cooperation"]],
        },
    };
}

async function openCalendar() {
    await mountWebClient();
    await getService("action").doAction({
        type: "ir.actions.client",
        tag: "crm_customer_mgmt.contact_calendar",
        name: "Contact Calendar",
    });
}

function letters(customerId, day) {
    return queryAllTexts(
        `.o_contact_calendar_row[data-id='${customerId}'] td[data-day='${day}'] .o_contact_letter`
    );
}

// what the server answers; a test may change it
let answer;

beforeEach(() => {
    mockDate("2025-03-15 10:00:00");
    answer = calendarData;
    onRpc("crm.customer.contact", "get_contact_calendar", ({ args, kwargs }) => {
        expect.step([args[0], kwargs.filters, kwargs.offset]);
        return answer(args[0], kwargs);
    });
});

test("renders the customers, the days and the letters of each cell", async () => {
    await openCalendar();
    expect.verifySteps([["2025-03", {}, 0]]);
    expect(".o_contact_calendar_month").toHaveText("March 2025");
    expect("thead .o_contact_calendar_day").toHaveCount(31);
    expect(".o_contact_calendar_row").toHaveCount(2);
    expect(queryAllTexts(".o_contact_calendar_name")).toEqual(["Hengda Trading", "Jinhai Hardware"]);
    expect(letters(11, 3)).toEqual(["T", "E"]);
    expect(letters(11, 20)).toEqual(["M"]);
    expect(letters(11, 4)).toEqual([]);
    expect(letters(12, 20)).toEqual(["T"]);
    expect(".o_contact_calendar_row[data-id='11'] .o_contact_calendar_tier_vip").toHaveText("VIP");
    expect("thead .o_contact_calendar_is_today").toHaveText("15");
    expect(".o_contact_calendar_pager_value").toHaveText("1-2 / 2");
});

test("planned contacts are drawn apart from done ones, the note on hover", async () => {
    await openCalendar();
    expect.verifySteps([["2025-03", {}, 0]]);
    const [call, email] = queryAll(".o_contact_calendar_row[data-id='11'] td[data-day='3'] .o_contact_letter");
    expect(call).toHaveClass(["o_contact_phone", "o_contact_done"]);
    expect(call).not.toHaveClass("o_contact_planned");
    expect(call).toHaveAttribute("data-tooltip", "Phone (done): Buyer agreed");
    expect(email).toHaveClass("o_contact_email");
    const meeting = queryOne(".o_contact_calendar_row[data-id='11'] td[data-day='20'] .o_contact_letter");
    expect(meeting).toHaveClass(["o_contact_meeting", "o_contact_planned"]);
    expect(meeting).not.toHaveClass("o_contact_done");
    expect(meeting).toHaveAttribute("data-tooltip", "Meeting (planned): Visit: plant tour");
});

test("the month switches: next, previous, today", async () => {
    await openCalendar();
    expect.verifySteps([["2025-03", {}, 0]]);
    await contains(".o_contact_calendar_next").click();
    await animationFrame();
    expect.verifySteps([["2025-04", {}, 0]]);
    expect(".o_contact_calendar_month").toHaveText("April 2025");
    expect("thead .o_contact_calendar_day").toHaveCount(30);
    expect("thead .o_contact_calendar_is_today").toHaveCount(0);
    await contains(".o_contact_calendar_previous").click();
    await contains(".o_contact_calendar_previous").click();
    await animationFrame();
    expect.verifySteps([["2025-03", {}, 0], ["2025-02", {}, 0]]);
    expect("thead .o_contact_calendar_day").toHaveCount(28);
    await contains(".o_contact_calendar_today").click();
    await animationFrame();
    expect.verifySteps([["2025-03", {}, 0]]);
    expect(".o_contact_calendar_month").toHaveText("March 2025");
});

test("the filters ask again with the salesperson, tier and stage chosen", async () => {
    await openCalendar();
    expect.verifySteps([["2025-03", {}, 0]]);
    await contains(".o_contact_calendar_filter_tier").select("vip");
    expect.verifySteps([["2025-03", { value_tier: "vip" }, 0]]);
    await contains(".o_contact_calendar_filter_user").select("8");
    expect.verifySteps([["2025-03", { value_tier: "vip", user_id: 8 }, 0]]);
    await contains(".o_contact_calendar_filter_stage").select("3");
    expect.verifySteps([["2025-03", { value_tier: "vip", user_id: 8, stage_id: 3 }, 0]]);
    await contains(".o_contact_calendar_filter_tier").select("");
    expect.verifySteps([["2025-03", { user_id: 8, stage_id: 3 }, 0]]);
    // the month keeps the filters
    await contains(".o_contact_calendar_next").click();
    expect.verifySteps([["2025-04", { user_id: 8, stage_id: 3 }, 0]]);
});

test("more customers than a page: the pager asks for the next page", async () => {
    answer = (month, kwargs) => calendarData(month, { ...kwargs, total: 5 });
    await openCalendar();
    expect.verifySteps([["2025-03", {}, 0]]);
    expect(".o_contact_calendar_pager_value").toHaveText("1-2 / 5");
    expect(".o_contact_calendar_page_previous").toHaveAttribute("disabled");
    await contains(".o_contact_calendar_page_next").click();
    expect.verifySteps([["2025-03", {}, 2]]);
    expect(".o_contact_calendar_pager_value").toHaveText("3-4 / 5");
});

test("a click opens the record: the meeting, or the customer of a call", async () => {
    await openCalendar();
    mockService("action", {
        doAction(action) {
            expect.step(action);
        },
    });
    await contains(".o_contact_calendar_row[data-id='11'] td[data-day='20'] .o_contact_letter").click();
    await contains(".o_contact_calendar_row[data-id='12'] td[data-day='20'] .o_contact_letter").click();
    await contains(".o_contact_calendar_row[data-id='11'] .o_contact_calendar_name").click();
    expect.verifySteps([
        ["2025-03", {}, 0],
        { type: "ir.actions.act_window", res_model: "calendar.event", res_id: 301, views: [[false, "form"]] },
        { type: "ir.actions.act_window", res_model: "res.partner", res_id: 12, views: [[false, "form"]] },
        { type: "ir.actions.act_window", res_model: "res.partner", res_id: 11, views: [[false, "form"]] },
    ]);
});

test("no customer: a message instead of the grid", async () => {
    answer = (month) => ({ ...calendarData(month), customers: [], total: 0 });
    await openCalendar();
    expect.verifySteps([["2025-03", {}, 0]]);
    expect(".o_contact_calendar_empty").toHaveCount(1);
    expect(".o_contact_calendar_table").toHaveCount(0);
});
